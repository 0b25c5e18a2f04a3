/** `roster invites list|add|resend|withdraw`. */
import {
  ROLES,
  errors,
  parseEmail,
  sortInvites,
  type Invite,
  type InviteStatusFilter,
  type InviteWithLink,
} from "@roster/core";
import { CliError, EXIT } from "../exit-codes.ts";
import {
  connect,
  resolveOrg,
  type CommonOptions,
  type Context,
  type OrgWithRole,
} from "../context.ts";
import { invitesTable } from "../render.ts";
import { print, printJson } from "../report.ts";
import { findInvite } from "../resolve.ts";
import { listSort, type SortOptions } from "../sort-option.ts";

export interface ListOptions extends CommonOptions, SortOptions {
  status?: InviteStatusFilter;
}

export async function invitesList(opts: ListOptions): Promise<void> {
  const sort = listSort("invites", opts);
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const now = Date.now();
  const { invites } = await ctx.client.listInvites(org.id, opts.status);
  // Without --sort the daemon's order is kept; with it, core's order (as in the TUI).
  const shown = sort ? sortInvites(invites, sort, now) : invites;
  if (opts.json) printJson(shown);
  else print(invitesTable(shown, now));
}

export interface AddOptions extends CommonOptions {
  role?: string;
}

export async function invitesAdd(email: string, opts: AddOptions): Promise<void> {
  // R2, R3 and the role are checked here with the daemon's own words, before anything is sent.
  const parsed = parseEmail(email);
  if (!parsed.ok)
    throw new CliError(parsed.error.message, EXIT.refused, parsed.error.code, parsed.error.reason);
  const role = opts.role ?? "owner";
  if (!(ROLES as readonly string[]).includes(role)) {
    const e = errors.invalidRole(role);
    throw new CliError(e.message, EXIT.refused, e.code, e.reason);
  }
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const invite = await ctx.client.createInvite(org.id, { email: parsed.value, role });
  if (opts.json) printJson(invite);
  else print(withLinkLine(invitesTable([invite], Date.now()), invite));
}

/** The table, then the activation link when the daemon showed it (SPEC §2). */
function withLinkLine(table: string, invite: InviteWithLink): string {
  if (invite.activationURL === undefined) return table;
  return `${table.trimEnd()}\nActivation link (valid 72 hours, hand it to ${invite.email}): ${invite.activationURL}`;
}

/** The invitation a command names, looked up among all of the org's invitations. */
async function target(
  key: string,
  opts: CommonOptions,
): Promise<{ ctx: Context; org: OrgWithRole; invite: Invite }> {
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const { invites } = await ctx.client.listInvites(org.id, "all");
  return { ctx, org, invite: findInvite(invites, key) };
}

export async function invitesResend(key: string, opts: CommonOptions): Promise<void> {
  const { ctx, org, invite: found } = await target(key, opts);
  const invite = await ctx.client.resendInvite(org.id, found.id);
  if (opts.json) printJson(invite);
  else print(withLinkLine(invitesTable([invite], Date.now()), invite));
}

export async function invitesWithdraw(key: string, opts: CommonOptions): Promise<void> {
  const { ctx, org, invite } = await target(key, opts);
  await ctx.client.withdrawInvite(org.id, invite.id);
  if (opts.json) printJson({ ...invite, status: "withdrawn" });
  else print(`Withdrew the invitation of ${invite.email} (${invite.id}) to ${org.name}.`);
}
