/**
 * The outbox as the mail worker sees it (SPEC §4): claim a batch of the oldest
 * due rows, then record how their attempts ended. Each is one short
 * transaction for the whole batch (one commit, not one per message); no
 * transaction stays open while a message is on its way (PGlite has one
 * connection: an open transaction would stall every request).
 *
 * CLAIM — each of the oldest due rows (SKIP LOCKED: daemons sharing a PostgreSQL never
 * take the same one) is dropped if its invitation is closed or was resent
 * (cancelled, token nulled), given up if its link expired or every allowed
 * attempt (mailMaxAttempts, if set) was already claimed (a crash loop), else leased: one more attempt
 * counted, and no one takes it again for `leaseMs` (the row is marked leased
 * until its attempt is recorded).
 * RECORD — service/record-delivery.ts: each row marked and its delivery
 * reported, under the org lock, through runOrgCommand like every command —
 * all of a batch in one transaction (orgs locked in id order), so a batch of
 * sends costs one commit; each delivery is still its own versioned change, as
 * live sessions expect.
 */
import type { Delivery } from "@roster/core";
import type { Sql, Storage } from "../storage/storage.ts";
import {
  cancelRow,
  leaseRows,
  lockDueRows,
  makeLeasedDue,
  type DueRow,
} from "../storage/outbox-store.ts";
import { iso } from "../storage/rows.ts";
import type { ServiceContext } from "./context.ts";
import {
  reportAttempt,
  runReport,
  type AttemptOutcome,
  type ClaimedSend,
} from "./record-delivery.ts";

export type { AttemptOutcome, ClaimedSend } from "./record-delivery.ts";

/** A leased row, ready to send. */
export interface Job extends ClaimedSend {
  to: string;
  token: string;
  expiresAt: string;
  orgName: string;
  inviterName: string;
  inviterEmail: string;
}

export type Claim =
  | { kind: "cancelled"; outboxID: string; inviteID: string; inviteStatus: string }
  | { kind: "give-up"; send: ClaimedSend; lastError: string }
  | { kind: "job"; job: Job };

/** The slice of Storage the queue needs (`kind` unknown: treated as a shared server). */
export type OutboxStorage = Pick<Storage, "query" | "transaction"> & Partial<Pick<Storage, "kind">>;

export class OutboxQueue {
  constructor(
    private readonly storage: OutboxStorage,
    private readonly ctx: Pick<ServiceContext, "now">,
  ) {}

  /**
   * On the embedded database only one process can ever hold the data
   * directory, so a leased row was claimed by a process that is gone (kill -9
   * mid-send, or a stop that did not wait for the send): make it due now.
   * Messages waiting for a retry keep their time: the schedule resumes as it
   * was. (On a PostgreSQL server other daemons may be sending: there the
   * lease alone decides.) How many rows were made due.
   */
  async recoverAfterRestart(): Promise<number> {
    return this.storage.kind === "pglite" ? makeLeasedDue(this.storage) : 0;
  }

  /** Claim up to `limit` (default 1) due rows; none due: an empty list. */
  async claim(opts: {
    leaseMs: number;
    maxAttempts?: number | undefined;
    limit?: number | undefined;
  }): Promise<Claim[]> {
    return this.storage.transaction(async (tx): Promise<Claim[]> => {
      const rows = await lockDueRows(tx, Math.max(1, opts.limit ?? 1));
      const claims: (Claim | DueRow)[] = [];
      for (const row of rows) {
        if (row.inviteStatus !== "pending" || row.sendNumber !== row.currentSend) {
          // Withdrawn, accepted, or superseded by a resend: this mail must not go out.
          await cancelRow(tx, row.id);
          claims.push({
            kind: "cancelled",
            outboxID: row.id,
            inviteID: row.inviteID,
            inviteStatus: row.inviteStatus,
          });
          continue;
        }
        const send = claimedSend(row);
        if (row.expired) {
          // Sending it would only deliver a dead link (daemon down for days, a long outage).
          const lastError =
            "the activation link expired before the email could be sent; resend the invitation";
          claims.push({ kind: "give-up", send, lastError });
        } else if (opts.maxAttempts !== undefined && row.attempts >= opts.maxAttempts) {
          // Every attempt was claimed but the last one never marked: the process
          // died during each. Stop rather than loop forever.
          const lastError = `gave up after ${row.attempts} attempts (the last one was interrupted)`;
          claims.push({ kind: "give-up", send, lastError });
        } else {
          claims.push(row);
        }
      }
      const due = claims.filter((c): c is DueRow => !("kind" in c));
      const leased = await leaseRows(
        tx,
        due.map((r) => r.id),
        opts.leaseMs,
      );
      return claims.map((c): Claim => {
        if ("kind" in c) return c;
        const { to, token, expiresAt, orgName, inviterName, inviterEmail } = c;
        const attempts = leased.get(c.id) ?? c.attempts + 1;
        return {
          kind: "job",
          job: {
            ...claimedSend(c),
            attempts,
            to,
            token,
            expiresAt,
            orgName,
            inviterName,
            inviterEmail,
          },
        };
      });
    });
  }

  /**
   * Record how a claimed attempt ended; the delivery recorded, or undefined
   * when the row was cancelled or claimed again meanwhile (nothing written).
   */
  async record(send: ClaimedSend, outcome: AttemptOutcome): Promise<Delivery | undefined> {
    const [recorded] = await this.recordAll([{ send, outcome }]);
    return recorded;
  }

  /**
   * Record a batch of attempts in one transaction (one commit), each as
   * `record` would; the results in the order given. Should the batch fail as
   * a whole, each is tried on its own, so one bad row cannot undo the others
   * (whose messages went out: undone, they would be sent again).
   */
  async recordAll(
    items: readonly { send: ClaimedSend; outcome: AttemptOutcome }[],
  ): Promise<(Delivery | undefined)[]> {
    if (items.length === 0) return [];
    const at = iso(new Date(this.ctx.now()));
    // Orgs locked in one order by every batch: two daemons on one server never deadlock.
    const order = items.map((_, i) => i).sort((a, b) => cmp(items[a]!.send, items[b]!.send));
    const one = async (tx: Sql, i: number) => {
      const { send, outcome } = items[i]!;
      return (await runReport(tx, send.orgID, at, reportAttempt(send, outcome)))?.result;
    };
    if (items.length > 1) {
      try {
        return await this.storage.transaction(async (tx) => {
          const results: (Delivery | undefined)[] = new Array(items.length);
          for (const i of order) results[i] = await one(tx, i);
          return results;
        });
      } catch {
        // Fall through: one transaction each; their errors are the caller's.
      }
    }
    const results: (Delivery | undefined)[] = [];
    for (let i = 0; i < items.length; i++) {
      results.push(await this.storage.transaction((tx) => one(tx, i)));
    }
    return results;
  }
}

function claimedSend(row: DueRow): ClaimedSend {
  return {
    id: row.id,
    orgID: row.orgID,
    inviteID: row.inviteID,
    sendNumber: row.sendNumber,
    attempts: row.attempts,
  };
}

function cmp(a: ClaimedSend, b: ClaimedSend): number {
  if (a.orgID !== b.orgID) return a.orgID < b.orgID ? -1 : 1;
  return Number(a.id) - Number(b.id);
}
