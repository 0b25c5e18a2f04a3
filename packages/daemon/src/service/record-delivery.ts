/**
 * The mail worker's report on one send of an invitation: an `invite.delivery`
 * change (no actor) updating the invitation's delivery state — only for the
 * current send of a pending invitation, and only when something changed.
 */
import type { ChangeEntry, Delivery } from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import type { ServiceContext } from "./context.ts";
import { DomainFailure } from "./domain-failure.ts";
import { commitChange, lockOrg } from "./org-tx.ts";
import { INVITE_COLUMNS, iso, toInvite, type InviteRow } from "./rows.ts";

export async function recordDelivery(
  ctx: ServiceContext,
  tx: Sql,
  orgID: string,
  inviteID: string,
  sendNumber: number,
  delivery: Delivery,
): Promise<ChangeEntry | null> {
  try {
    await lockOrg(tx, orgID);
  } catch (e) {
    if (e instanceof DomainFailure) return null;
    throw e;
  }
  const r = await tx.query<InviteRow>(
    `select ${INVITE_COLUMNS} from invites where id = $1 and org_id = $2`,
    [inviteID, orgID],
  );
  const row = r.rows[0];
  if (!row || row.status !== "pending" || Number(row.send_count) !== sendNumber) return null;
  const before = toInvite(row);
  const next: Delivery = { state: delivery.state, attempts: delivery.attempts ?? 0 };
  if (delivery.lastError !== undefined) next.lastError = delivery.lastError;
  if (delivery.nextAttemptAt !== undefined) next.nextAttemptAt = iso(delivery.nextAttemptAt);
  if (JSON.stringify(before.delivery) === JSON.stringify(next)) return null;
  await tx.query(
    `update invites set delivery_state = $2, delivery_attempts = $3, delivery_last_error = $4,
       delivery_next_attempt_at = $5 where id = $1`,
    [inviteID, next.state, next.attempts, next.lastError ?? null, next.nextAttemptAt ?? null],
  );
  return commitChange(
    tx,
    orgID,
    null,
    { type: "invite.delivery", invite: { ...before, delivery: next } },
    iso(new Date(ctx.now())),
  );
}
