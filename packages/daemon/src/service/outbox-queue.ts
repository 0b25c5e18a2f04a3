/**
 * The outbox as the mail worker sees it (SPEC §4): claim the oldest due row,
 * then record how its attempt ended. Each is one short transaction; no
 * transaction stays open while a message is on its way (PGlite has one
 * connection: an open transaction would stall every request).
 *
 * CLAIM — the oldest due row (SKIP LOCKED: daemons sharing a PostgreSQL never
 * take the same one) is dropped if its invitation is closed or was resent
 * (cancelled, token nulled), given up if its link expired or every allowed
 * attempt (mailMaxAttempts, if set) was already claimed (a crash loop), else leased: one more attempt
 * counted, and no one takes it again for `leaseMs` (the row is marked leased
 * until its attempt is recorded).
 * RECORD — service/record-delivery.ts: the row marked and the delivery
 * reported, under the org lock, through runOrgCommand like every command.
 */
import type { Storage } from "../storage/storage.ts";
import { cancelRow, leaseRow, lockDueRow, makeLeasedDue } from "../storage/outbox-store.ts";
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
  | { kind: "none" }
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

  async claim(opts: { leaseMs: number; maxAttempts?: number | undefined }): Promise<Claim> {
    return this.storage.transaction(async (tx): Promise<Claim> => {
      const row = await lockDueRow(tx);
      if (!row) return { kind: "none" };
      if (row.inviteStatus !== "pending" || row.sendNumber !== row.currentSend) {
        // Withdrawn, accepted, or superseded by a resend: this mail must not go out.
        await cancelRow(tx, row.id);
        return {
          kind: "cancelled",
          outboxID: row.id,
          inviteID: row.inviteID,
          inviteStatus: row.inviteStatus,
        };
      }
      const send: ClaimedSend = {
        id: row.id,
        orgID: row.orgID,
        inviteID: row.inviteID,
        sendNumber: row.sendNumber,
        attempts: row.attempts,
      };
      if (row.expired) {
        // Sending it would only deliver a dead link (daemon down for days, a long outage).
        const lastError =
          "the activation link expired before the email could be sent; resend the invitation";
        return { kind: "give-up", send, lastError };
      }
      if (opts.maxAttempts !== undefined && row.attempts >= opts.maxAttempts) {
        // Every attempt was claimed but the last one never marked: the process
        // died during each. Stop rather than loop forever.
        const lastError = `gave up after ${row.attempts} attempts (the last one was interrupted)`;
        return { kind: "give-up", send, lastError };
      }
      const attempts = (await leaseRow(tx, row.id, opts.leaseMs)) ?? row.attempts + 1;
      const { to, token, expiresAt, orgName, inviterName, inviterEmail } = row;
      return {
        kind: "job",
        job: { ...send, attempts, to, token, expiresAt, orgName, inviterName, inviterEmail },
      };
    });
  }

  /**
   * Record how a claimed attempt ended; the delivery recorded, or undefined
   * when the row was cancelled or claimed again meanwhile (nothing written).
   */
  async record(send: ClaimedSend, outcome: AttemptOutcome) {
    const at = iso(new Date(this.ctx.now()));
    return this.storage.transaction(
      async (tx) => (await runReport(tx, send.orgID, at, reportAttempt(send, outcome)))?.result,
    );
  }
}
