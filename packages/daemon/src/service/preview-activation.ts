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
import { findInviteByToken, loadMembers } from "../storage/org-store.ts";
import { getOrg } from "../storage/read-queries.ts";
import type { Sql } from "../storage/storage.ts";
import { findUserByEmail, getUser } from "../storage/user-store.ts";
import { hashesEqual, hashSecret } from "./secrets.ts";

export type ActivationPreview =
  | {
      ok: true;
      invite: Invite;
      org: Org;
      inviter: User | undefined;
      /** The email has an account: only it, signed in, can accept (R9). */
      existingAccount: boolean;
    }
  | { ok: false; error: DomainError; invite?: Invite; org?: Org };

export async function previewActivation(
  sql: Sql,
  token: string,
  now: number,
): Promise<ActivationPreview> {
  const tokenHash = hashSecret(token);
  const found = await findInviteByToken(sql, tokenHash);
  if (!found) return { ok: false, error: errors.inviteNotFound() };
  const { invite, currentHash } = found;
  const org = await getOrg(sql, invite.orgID);
  if (!org) return { ok: false, error: errors.inviteNotFound() };
  const existing = await findUserByEmail(sql, invite.email);
  const user = existing ?? { id: "", email: invite.email, name: "" };
  const members = await loadMembers(sql, invite.orgID, { emails: [invite.email] });
  const decided = decideAccept(
    { orgID: invite.orgID, members, invites: [invite] },
    { invite, tokenIsCurrent: hashesEqual(currentHash, tokenHash), user, now },
  );
  if (!decided.ok) return { ok: false, error: decided.error, invite, org };
  const inviter = await getUser(sql, invite.invitedBy);
  return { ok: true, invite, org, inviter, existingAccount: existing !== undefined };
}
