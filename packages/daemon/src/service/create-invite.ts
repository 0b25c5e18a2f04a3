/** POST /orgs/:orgID/invites — R2–R6, with the email queued in the outbox. */
import { decideInvite, parseEmail, type ChangeEntry, type Invite } from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { actorOf, type Caller, type ServiceContext } from "./context.ts";
import { unwrap } from "./domain-failure.ts";
import { commitChange, loadInvites, loadMembers, lockOrg } from "./org-tx.ts";
import { writeInviteSend } from "./invite-send.ts";
import { newId } from "./secrets.ts";

export interface CreateInviteInput {
  email?: unknown;
  role?: unknown;
}

export async function createInvite(
  ctx: ServiceContext,
  tx: Sql,
  caller: Caller,
  orgID: string,
  input: CreateInviteInput,
): Promise<{ invite: Invite; entry: ChangeEntry }> {
  await lockOrg(tx, orgID);
  const now = ctx.now();
  // Only to narrow what is loaded; core decides (and words any refusal).
  const email = parseEmail(input.email ?? "");
  const members = await loadMembers(tx, orgID, {
    userIDs: [caller.userID],
    emails: email.ok ? [email.value] : [],
  });
  const { invites } = await loadInvites(tx, orgID, now);
  const change = unwrap(
    decideInvite(
      { orgID, members, invites },
      {
        actorID: caller.userID,
        email: input.email ?? "",
        role: input.role,
        inviteID: newId(),
        now,
      },
      ctx.limits,
    ),
  );
  const invite = change.invite;
  await writeInviteSend(tx, (tokenHash) => ({
    text: `insert into invites (id, org_id, email, role, status, invited_by, created_at, sent_at, expires_at,
                                send_count, delivery_state, delivery_attempts, token_hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12)`,
    params: [
      invite.id,
      orgID,
      invite.email,
      invite.role,
      invite.status,
      invite.invitedBy,
      invite.createdAt,
      invite.sentAt,
      invite.expiresAt,
      invite.sendCount,
      invite.delivery.state,
      tokenHash,
    ],
  }));
  const entry = await commitChange(tx, orgID, actorOf(caller), change, invite.sentAt);
  return { invite, entry };
}
