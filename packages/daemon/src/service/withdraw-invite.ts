/** DELETE /orgs/:orgID/invites/:inviteID — R8. */
import { decideWithdraw, type ChangeEntry, type Invite } from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { actorOf, type Caller, type ServiceContext } from "./context.ts";
import { unwrap } from "./domain-failure.ts";
import { cancelOutbox, commitChange, loadInvites, loadMembers, lockOrg } from "./org-tx.ts";
import { iso } from "./rows.ts";

export async function withdrawInvite(
  ctx: ServiceContext,
  tx: Sql,
  caller: Caller,
  orgID: string,
  inviteID: string,
): Promise<{ invite: Invite; entry: ChangeEntry }> {
  await lockOrg(tx, orgID);
  const now = ctx.now();
  const { invites } = await loadInvites(tx, orgID, now, [inviteID]);
  const members = await loadMembers(tx, orgID, { userIDs: [caller.userID] });
  const change = unwrap(
    decideWithdraw({ orgID, members, invites }, { actorID: caller.userID, inviteID, now }),
  );
  await tx.query("update invites set status = $2 where id = $1", [inviteID, change.invite.status]);
  await cancelOutbox(tx, inviteID);
  const entry = await commitChange(tx, orgID, actorOf(caller), change, iso(new Date(now)));
  return { invite: change.invite, entry };
}
