/**
 * Delivery reports: how the email of one send of an invitation fared, as an
 * `invite.delivery` change with no actor — only for the current send of a
 * pending invitation, and only when something changed. From the mail worker
 * a report ends one attempt on a claimed outbox row, and the row is marked in
 * the same command: under the org lock (the order every command keeps: org,
 * then outbox — resend and withdraw cancel rows under it), and only while
 * the claim still holds (same attempt, row unsent), so a late mark never
 * lands on a row cancelled or claimed again since.
 */
import { ok, type ChangeOf, type Delivery, type Invite } from "@roster/core";
import { loadInvite, writeDelivery } from "../storage/org-store.ts";
import { lockClaimedRow, markRow, type ClaimFence } from "../storage/outbox-store.ts";
import { iso } from "../storage/rows.ts";
import type { Sql } from "../storage/storage.ts";
import { DomainFailure } from "./domain-failure.ts";
import { runOrgCommand, type Committed, type OrgCommand } from "./run-org-command.ts";

type DeliveryChange = ChangeOf<"invite.delivery">;

/** The change a report makes, or null (an older send, a closed invitation, nothing new). */
export function decideDelivery(
  invite: Invite | undefined,
  sendNumber: number,
  d: Delivery,
): DeliveryChange | null {
  if (!invite || invite.status !== "pending" || invite.sendCount !== sendNumber) return null;
  const next: Delivery = { state: d.state, attempts: d.attempts ?? 0 };
  if (d.lastError !== undefined) next.lastError = d.lastError;
  if (d.nextAttemptAt !== undefined) next.nextAttemptAt = iso(d.nextAttemptAt);
  if (JSON.stringify(invite.delivery) === JSON.stringify(next)) return null;
  return { type: "invite.delivery", invite: { ...invite, delivery: next } };
}

/** Run a report; in an org that does not exist (any more) it is a no-op: undefined. */
export async function runReport<S, R>(
  tx: Sql,
  orgID: string,
  at: string,
  cmd: OrgCommand<S, DeliveryChange | null, R>,
): Promise<Committed<DeliveryChange | null, R> | undefined> {
  try {
    return await runOrgCommand(tx, orgID, at, cmd);
  } catch (e) {
    if (e instanceof DomainFailure && e.error.code === "not found") return undefined;
    throw e;
  }
}

/** One send of an invitation. */
export interface SendRef {
  orgID: string;
  inviteID: string;
  sendNumber: number;
}

/** A report on its own: the invitation's delivery as given. */
export function reportDelivery(
  send: SendRef,
  delivery: Delivery,
): OrgCommand<Invite | undefined, DeliveryChange | null, void> {
  return {
    load: (tx) => loadInvite(tx, send.orgID, send.inviteID),
    decide: (invite) => ok(decideDelivery(invite, send.sendNumber, delivery)),
    write: async (tx, change) => {
      if (change) await writeDelivery(tx, change.invite.id, change.invite.delivery);
    },
    actor: () => null,
  };
}

/** How one attempt ended: sent, or failed with `retryInMs` until the next (none: given up). */
export type AttemptOutcome =
  { state: "sent" } | { state: "failed"; lastError: string; retryInMs?: number | undefined };

/** A claimed outbox row of one send: the claim's fence (row id, attempt number) and the send. */
export type ClaimedSend = SendRef & ClaimFence;

interface AttemptState {
  invite: Invite | undefined;
  /** The delivery the attempt means; undefined when the claim no longer holds. */
  delivery: Delivery | undefined;
}

/**
 * The end of one outbox attempt: the row marked (sent; failed with its next
 * attempt; or failed for good, its token dropped) and the delivery reported.
 * The write returns the delivery recorded, or undefined when the claim no
 * longer held (nothing was written).
 */
export function reportAttempt(
  claim: ClaimedSend,
  outcome: AttemptOutcome,
): OrgCommand<AttemptState, DeliveryChange | null, Delivery | undefined> {
  return {
    load: async (tx) => {
      const dbNow = await lockClaimedRow(tx, claim);
      const invite = await loadInvite(tx, claim.orgID, claim.inviteID);
      return { invite, delivery: dbNow && attemptDelivery(claim.attempts, outcome, dbNow) };
    },
    decide: ({ invite, delivery }) =>
      ok(delivery ? decideDelivery(invite, claim.sendNumber, delivery) : null),
    write: async (tx, change, { delivery }) => {
      if (!delivery) return undefined;
      await markRow(
        tx,
        claim.id,
        delivery.state === "sent"
          ? { state: "sent" }
          : {
              state: "failed",
              lastError: delivery.lastError ?? "",
              nextAttemptAt: delivery.nextAttemptAt,
            },
      );
      if (change) await writeDelivery(tx, change.invite.id, change.invite.delivery);
      return delivery;
    },
    actor: () => null,
  };
}

/** The delivery an attempt means, its next attempt by the database's clock. */
function attemptDelivery(attempts: number, outcome: AttemptOutcome, dbNow: Date): Delivery {
  if (outcome.state === "sent") return { state: "sent", attempts };
  const d: Delivery = { state: "failed", attempts, lastError: outcome.lastError };
  if (outcome.retryInMs !== undefined) {
    d.nextAttemptAt = new Date(dbNow.getTime() + outcome.retryInMs).toISOString();
  }
  return d;
}
