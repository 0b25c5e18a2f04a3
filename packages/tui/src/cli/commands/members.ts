/** `roster members list|remove`. */
import { connect, resolveOrg, type CommonOptions } from "../context.ts";
import { membersTable } from "../render.ts";
import { print, printJson } from "../report.ts";
import { findMember } from "../resolve.ts";

export async function membersList(opts: CommonOptions): Promise<void> {
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const { members } = await ctx.client.listMembers(org.id);
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
