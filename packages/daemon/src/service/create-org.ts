/** POST /orgs: a new org with the caller as its only owner. */
import { errors, type ChangeEntry, type Org, type User } from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import type { Caller, ServiceContext } from "./context.ts";
import { fail } from "./domain-failure.ts";
import { createOrgWithOwner } from "./setup.ts";

export async function createOrg(
  ctx: ServiceContext,
  tx: Sql,
  caller: Caller,
  name: string,
): Promise<{ org: Org; entry: ChangeEntry }> {
  const u = await tx.query<User>("select id, email, name from users where id = $1", [
    caller.userID,
  ]);
  const user = u.rows[0] ?? fail(errors.unauthorized());
  return createOrgWithOwner(tx, name, user, ctx.now());
}
