/**
 * Finding the member, invitation or org a command names, by id or by email
 * (or org name). Pure functions over the lists the daemon returned.
 */
import { errors, isOpen, normalizeEmail, type Invite, type Member, type Org } from "@roster/core";
import { CliError, EXIT } from "./exit-codes.ts";

function notFound(e: { message: string; code: string; reason?: string }): CliError {
  return new CliError(e.message, EXIT.refused, e.code, e.reason);
}

/** A member by user id (exact) or email (case-insensitive). */
export function findMember(members: readonly Member[], key: string): Member {
  const byId = members.find((m) => m.userID === key);
  if (byId) return byId;
  const email = normalizeEmail(key);
  const byEmail = members.find((m) => normalizeEmail(m.email) === email);
  if (byEmail) return byEmail;
  throw notFound(errors.memberNotFound());
}

/**
 * An invitation by id (exact) or email (case-insensitive). An email that
 * matches several invitations (say an accepted one and a newer pending one)
 * picks the open one (pending or expired); without exactly one open match
 * the id is needed.
 */
export function findInvite(invites: readonly Invite[], key: string): Invite {
  const byId = invites.find((i) => i.id === key);
  if (byId) return byId;
  const email = normalizeEmail(key);
  const matches = invites.filter((i) => normalizeEmail(i.email) === email);
  if (matches.length === 1) return matches[0] as Invite;
  if (matches.length === 0) {
    throw new CliError(
      `No invitation for ${key} in this organization.`,
      EXIT.refused,
      "not found",
      "invite_not_found",
    );
  }
  const open = matches.filter(isOpen);
  if (open.length === 1) return open[0] as Invite;
  const ids = matches.map((i) => `${i.id} (${i.status})`).join(", ");
  throw new CliError(
    `${email} has ${matches.length} invitations and ${open.length === 0 ? "none" : "more than one"} is open; name one by id: ${ids}.`,
    EXIT.refused,
    "conflict",
    "ambiguous",
  );
}

/** An org by id (exact) or name (case-insensitive). */
export function findOrg<O extends Org>(orgs: readonly O[], key: string): O {
  const byId = orgs.find((o) => o.id === key);
  if (byId) return byId;
  const name = key.trim().toLowerCase();
  const byName = orgs.filter((o) => o.name.trim().toLowerCase() === name);
  if (byName.length === 1) return byName[0] as O;
  if (byName.length > 1) {
    throw new CliError(
      `Several of your organizations are named "${key}"; pass --org with an id: ${byName.map((o) => o.id).join(", ")}.`,
      EXIT.usage,
    );
  }
  throw new CliError(
    `You are not a member of an organization "${key}".`,
    EXIT.refused,
    "not found",
    "org_not_found",
    orgChoices(orgs),
  );
}

/** The caller's orgs, one per line with its id, to pick one for `--org`. */
export function orgChoices(orgs: readonly Org[]): string {
  if (orgs.length === 0) return "You are not a member of any organization yet.";
  const width = Math.max(...orgs.map((o) => o.name.length));
  const rows = orgs.map((o) => `  ${o.name.padEnd(width)}  ${o.id}`);
  return ["Your organizations (pass one to --org, by name or id):", ...rows].join("\n");
}
