/** `roster members list|remove`. */
import { sortMembers } from "@roster/core";
import { connect, resolveOrg, type CommonOptions } from "../context.ts";
import { listSort, type SortOptions } from "../sort-option.ts";
import { membersTable } from "../render.ts";
import { print, printJson } from "../report.ts";
import { findMember } from "../resolve.ts";

export async function membersList(opts: CommonOptions & SortOptions): Promise<void> {
  const sort = listSort("members", opts);
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const { members: listed } = await ctx.client.listMembers(org.id);
  // Without --sort the daemon's order is kept; with it, core's order (as in the TUI).
  const members = sort ? sortMembers(listed, sort) : listed;
  if (opts.json) printJson(members);
  else print(membersTable(members));
}

export async function membersRemove(key: string, opts: CommonOptions): Promise<void> {
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const { members } = await ctx.client.listMembers(org.id);
  const member = findMember(members, key);
  await ctx.client.removeMember(org.id, member.userID);
  if (opts.json) printJson(member);
  else print(`Removed ${member.email} (${member.userID}) from ${org.name}.`);
}
