/** DELETE /orgs/:orgID/members/:userID — R10, R11. */
import { decideRemove, type ChangeEntry } from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { actorOf, type Caller, type ServiceContext } from "./context.ts";
import { unwrap } from "./domain-failure.ts";
import { commitChange, loadMembers, lockOrg } from "./org-tx.ts";
import { iso } from "./rows.ts";

export async function removeMember(
  ctx: ServiceContext,
  tx: Sql,
  caller: Caller,
  orgID: string,
  userID: string,
): Promise<{ entry: ChangeEntry }> {
  await lockOrg(tx, orgID);
  const members = await loadMembers(tx, orgID, { userIDs: [caller.userID, userID] });
  const change = unwrap(
    decideRemove({ orgID, members, invites: [] }, { actorID: caller.userID, userID }),
  );
  await tx.query("delete from memberships where org_id = $1 and user_id = $2", [
    orgID,
    change.userID,
  ]);
  const entry = await commitChange(tx, orgID, actorOf(caller), change, iso(new Date(ctx.now())));
  return { entry };
}
