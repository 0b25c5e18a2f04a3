/**
 * POST /invites/accept and the activation page — R9: a valid, unexpired,
 * pending, current token makes the person a member (creating the user if the
 * email is new) and returns an API token. A token is usable once.
 */
import {
  decideAccept,
  errors,
  type ChangeEntry,
  type Invite,
  type Member,
  type Org,
  type User,
} from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { actorOf, type ServiceContext } from "./context.ts";
import { fail, unwrap } from "./domain-failure.ts";
import { cancelOutbox, commitChange, loadMembers, lockOrg } from "./org-tx.ts";
import { INVITE_COLUMNS, iso, toInvite, toOrg, type InviteRow } from "./rows.ts";
import { hashSecret, hashesEqual, newId } from "./secrets.ts";
import { issueApiToken, upsertUser } from "./setup.ts";

export interface AcceptInput {
  token: string;
  name?: string | undefined;
}

export interface AcceptResult {
  user: User;
  org: Org;
  member: Member;
  token: string;
  entry: ChangeEntry;
}

/** The invitation a token was issued for (any token ever issued), or undefined. */
export async function findInviteByToken(
  sql: Sql,
  tokenHash: string,
): Promise<{ row: InviteRow; invite: Invite } | undefined> {
  const r = await sql.query<InviteRow>(
    `select ${INVITE_COLUMNS.split(", ")
      .map((c) => `i.${c}`)
      .join(", ")}
     from invite_tokens t join invites i on i.id = t.invite_id where t.token_hash = $1`,
    [tokenHash],
  );
  const row = r.rows[0];
  return row ? { row, invite: toInvite(row) } : undefined;
}

export async function acceptInvite(
  ctx: ServiceContext,
  tx: Sql,
  input: AcceptInput,
): Promise<AcceptResult> {
  const tokenHash = hashSecret(input.token);
  const found = await findInviteByToken(tx, tokenHash);
  if (!found) fail(errors.inviteNotFound());
  const orgRow = await lockOrg(tx, found.invite.orgID);
  // Re-read under the org lock: a racing accept, resend or withdraw has finished.
  const fresh = await findInviteByToken(tx, tokenHash);
  if (!fresh) fail(errors.inviteNotFound());
  const { row, invite } = fresh;
  const now = ctx.now();
  const at = iso(new Date(now));
  const existing = await tx.query<User>("select id, email, name from users where email = $1", [
    invite.email,
  ]);
  let user: User = existing.rows[0] ?? { id: newId(), email: invite.email, name: input.name ?? "" };
  const decide = (u: User) =>
    loadMembers(tx, invite.orgID, { userIDs: [u.id], emails: [invite.email] }).then((members) =>
      unwrap(
        decideAccept(
          { orgID: invite.orgID, members, invites: [invite] },
          { invite, tokenIsCurrent: hashesEqual(row.token_hash, tokenHash), user: u, now },
        ),
      ),
    );
  let change = await decide(user);
  if (!existing.rows[0]) {
    const stored = await upsertUser(tx, user, at);
    // Another org's acceptance created this email's user meanwhile: use it.
    if (stored.id !== user.id) change = await decide(stored);
    user = stored;
  }
  await tx.query(
    "insert into memberships (org_id, user_id, role, joined_at) values ($1, $2, $3, $4)",
    [invite.orgID, user.id, change.member.role, change.member.joinedAt],
  );
  await tx.query("update invites set status = $2 where id = $1", [invite.id, change.invite.status]);
  await cancelOutbox(tx, invite.id);
  const token = await issueApiToken(tx, user.id, at);
  const entry = await commitChange(
    tx,
    invite.orgID,
    actorOf({ userID: user.id, email: user.email }),
    change,
    at,
  );
  return { user, org: toOrg(orgRow), member: change.member, token, entry };
}
