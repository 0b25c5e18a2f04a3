/**
 * What the activation page shows for a token before anything is accepted:
 * the org, the inviter and the expiry — or why the token cannot be used,
 * decided by the same rule as the acceptance itself (R9).
 */
import {
  decideAccept,
  errors,
  type DomainError,
  type Invite,
  type Org,
  type User,
} from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import type { ServiceContext } from "./context.ts";
import { findInviteByToken } from "./accept-invite.ts";
import { loadMembers } from "./org-tx.ts";
import { toOrg, type OrgRow } from "./rows.ts";
import { hashSecret, hashesEqual } from "./secrets.ts";

export type ActivationPreview =
  | { ok: true; invite: Invite; org: Org; inviter: User | undefined }
  | { ok: false; error: DomainError; invite?: Invite; org?: Org };

export async function previewActivation(
  ctx: ServiceContext,
  sql: Sql,
  token: string,
): Promise<ActivationPreview> {
  const tokenHash = hashSecret(token);
  const found = await findInviteByToken(sql, tokenHash);
  if (!found) return { ok: false, error: errors.inviteNotFound() };
  const { row, invite } = found;
  const o = await sql.query<OrgRow>(
    "select id, name, created_at, version from orgs where id = $1",
    [invite.orgID],
  );
  const orgRow = o.rows[0];
  if (!orgRow) return { ok: false, error: errors.inviteNotFound() };
  const org = toOrg(orgRow);
  const existing = await sql.query<User>("select id, email, name from users where email = $1", [
    invite.email,
  ]);
  const user = existing.rows[0] ?? { id: "", email: invite.email, name: "" };
  const members = await loadMembers(sql, invite.orgID, { emails: [invite.email] });
  const decided = decideAccept(
    { orgID: invite.orgID, members, invites: [invite] },
    { invite, tokenIsCurrent: hashesEqual(row.token_hash, tokenHash), user, now: ctx.now() },
  );
  if (!decided.ok) return { ok: false, error: decided.error, invite, org };
  const inviter = await sql.query<User>("select id, email, name from users where id = $1", [
    invite.invitedBy,
  ]);
  return { ok: true, invite, org, inviter: inviter.rows[0] };
}
