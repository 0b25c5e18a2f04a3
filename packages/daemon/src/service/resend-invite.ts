/** POST /orgs/:orgID/invites/:inviteID/resend — R7: new token, new clock, email again. */
import { decideResend, type ChangeEntry, type Invite } from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { actorOf, type Caller, type ServiceContext } from "./context.ts";
import { unwrap } from "./domain-failure.ts";
import { cancelOutbox, commitChange, loadInvites, loadMembers, lockOrg } from "./org-tx.ts";
import { writeInviteSend } from "./invite-send.ts";

export async function resendInvite(
  ctx: ServiceContext,
  tx: Sql,
  caller: Caller,
  orgID: string,
  inviteID: string,
): Promise<{ invite: Invite; entry: ChangeEntry }> {
  await lockOrg(tx, orgID);
  const now = ctx.now();
  const { invites } = await loadInvites(tx, orgID, now, [inviteID]);
  const named = invites.find((i) => i.id === inviteID);
  const members = await loadMembers(tx, orgID, {
    userIDs: [caller.userID],
    emails: named ? [named.email] : [],
  });
  const change = unwrap(
    decideResend(
      { orgID, members, invites },
      { actorID: caller.userID, inviteID, now },
      ctx.limits,
    ),
  );
  const invite = change.invite;
  await cancelOutbox(tx, inviteID);
  await writeInviteSend(tx, (tokenHash) => ({
    text: `update invites set status = $2, sent_at = $3, expires_at = $4, send_count = $5,
             delivery_state = $6, delivery_attempts = 0, delivery_last_error = null,
             delivery_next_attempt_at = null, token_hash = $7
           where id = $1`,
    params: [
      invite.id,
      invite.status,
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
