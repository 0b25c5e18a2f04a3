/**
 * The outbox worker (SPEC §4): drains the `outbox` table that invite create /
 * resend fill in the same transaction as the invitation, so a committed
 * invitation's email is never lost.
 *
 * One row goes through three short steps, each its own transaction:
 *
 *   1. CLAIM   — pick the oldest due row (`state in ('queued','failed') and
 *                next_attempt_at <= now()`, `FOR UPDATE SKIP LOCKED` so that
 *                several daemons on one PostgreSQL never pick the same row),
 *                drop it if its invitation is no longer pending or the row is
 *                not the invitation's current send (→ `cancelled`, token
 *                nulled), otherwise count the attempt (`attempts + 1`) and
 *                push `next_attempt_at` a lease into the future. The lease is
 *                what keeps other instances (and this one) off the row while
 *                the message is on its way; no transaction stays open during
 *                the send (PGlite has one connection: an open transaction
 *                would stall every request).
 *   2. SEND    — render the message (org, inviter, expiry, link) and hand it
 *                to the transport, bounded by sendTimeoutMs (< lease).
 *   3. MARK    — `sent` (sent_at, link_token NULL: the raw token never stays
 *                at rest once sent) or `failed` (last_error, backoff →
 *                next_attempt_at; after maxAttempts: no more attempts, token
 *                nulled), guarded by `attempts = <our attempt>` so a mark never
 *                lands on a row someone else has re-claimed since. Then the
 *                invitation's delivery state goes through the change log
 *                (service.recordDelivery), in the same transaction, so every
 *                session sees it live. Lock order: org row, then outbox row —
 *                the order resend/withdraw use when they cancel rows.
 *
 * A worker on the embedded database makes every unsent row due when it
 * starts (only one process can own the data directory, so any lease is a dead
 * process's): see recoverAfterRestart().
 *
 * Delivery guarantee — AT LEAST ONCE. In normal operation a row is sent
 * exactly once: the claim is exclusive and the mark follows the send. A crash
 * (kill -9, power loss) between the moment the transport accepted the message
 * and the MARK commit leaves the row claimed but unmarked; once its lease
 * expires it is claimed again and the same message (same link) goes out a
 * second time. We accept that rare duplicate rather than risk losing an
 * invitation's email: the alternative (mark before send) loses the mail on a
 * crash. A send that outlives sendTimeoutMs is counted as failed and retried,
 * which can also duplicate if the server did accept it late.
 */
import type { ChangeEntry, Delivery } from "@roster/core";
import type { Sql, Storage } from "../storage/storage.ts";
import { decideRetry } from "./backoff.ts";
import type { MailLogger, MailTransport } from "./mail-transport.ts";
import type { MailSettings } from "./mail-options.ts";
import { activationLink, inviteMessageId, renderInviteEmail } from "./render-invite-email.ts";

/** The slice of Storage the worker needs. */
export type OutboxStorage = Pick<Storage, "query" | "transaction"> & Partial<Pick<Storage, "kind">>;

/** The slice of ChangeFeed the worker needs. */
export interface OutboxFeed {
  subscribe(fn: (orgID: string, entry: ChangeEntry) => void): () => void;
}

/**
 * service.recordDelivery: commits an `invite.delivery` change in `tx` (a no-op
 * for an older send or a closed invitation).
 */
export type RecordDelivery = (
  orgID: string,
  inviteID: string,
  sendNumber: number,
  delivery: Delivery,
  tx: Sql,
) => Promise<unknown>;

export interface OutboxWorkerDeps {
  storage: OutboxStorage;
  feed?: OutboxFeed | undefined;
  recordDelivery: RecordDelivery;
  transport: MailTransport;
  settings: MailSettings;
  logger: MailLogger;
  /** [0, 1) for the backoff jitter; Math.random by default. */
  random?: () => number;
}

interface ClaimRow {
  id: string | number | bigint;
  org_id: string;
  invite_id: string;
  send_number: number;
  to_email: string;
  link_token: string;
  attempts: number;
  invite_status: string;
  send_count: number;
  expires_at: Date | string;
  org_name: string | null;
  inviter_name: string | null;
  inviter_email: string | null;
  invite_expired: boolean;
}

/** What identifies one claim of a row: the fence of every later update. */
interface Mark {
  id: string;
  orgID: string;
  inviteID: string;
  sendNumber: number;
  attempts: number;
}

/** A claimed row, ready to send. */
interface Job extends Mark {
  to: string;
  token: string;
  expiresAt: string;
  orgName: string;
  inviterName: string;
  inviterEmail: string;
}

type ClaimResult =
  | { kind: "none" }
  | { kind: "skipped" }
  | { kind: "give-up"; mark: Mark; lastError: string }
  | { kind: "job"; job: Job };

const MAX_ERROR_LENGTH = 500;

export class OutboxWorker {
  private readonly deps: OutboxWorkerDeps;
  private readonly random: () => number;
  private stopped = false;
  private started = false;
  private recovered = false;
  private running: Promise<void> | undefined;
  private again = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly wakeTimers = new Set<NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;

  constructor(deps: OutboxWorkerDeps) {
    this.deps = deps;
    this.random = deps.random ?? Math.random;
  }

  /** Start draining: now, on every invite.created / invite.resent, and every pollMs. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.deps.feed?.subscribe((_orgID, entry) => {
      const t = entry.change.type;
      if (t === "invite.created" || t === "invite.resent") this.nudge();
    });
    this.schedulePoll();
    this.nudge();
  }

  /** Look for due rows now (coalesces with a pass already running). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.nudge();
      }
    });
  }

  /** Resolves once no pass is running (for tests and close). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Stop: no new claims; wait up to `waitMs` for a send in flight to finish
   * and be marked. A send abandoned here is retried after its lease expires
   * (at least once, see the header comment).
   */
  async close(waitMs = 5_000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const t of this.wakeTimers) clearTimeout(t);
    this.wakeTimers.clear();
    const inFlight = this.running;
    if (inFlight) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        inFlight,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
        }),
      ]);
      if (timer) clearTimeout(timer);
    }
    await this.deps.transport.close();
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.nudge();
      this.schedulePoll();
    }, this.deps.settings.pollMs);
    this.pollTimer.unref();
  }

  /** Wake up when a retry becomes due (sooner than the next poll, for small backoffs). */
  private wakeIn(ms: number): void {
    if (this.stopped || ms >= this.deps.settings.pollMs) return;
    const t = setTimeout(() => {
      this.wakeTimers.delete(t);
      this.nudge();
    }, ms + 5);
    t.unref();
    this.wakeTimers.add(t);
  }

  private async drain(): Promise<void> {
    if (!this.recovered) {
      try {
        await this.recoverAfterRestart();
        this.recovered = true;
      } catch (err) {
        if (!this.stopped) {
          this.deps.logger.error({ err: errorMessage(err) }, "mail outbox: recovery failed");
        }
        return;
      }
    }
    while (!this.stopped) {
      let claimed: ClaimResult;
      try {
        claimed = await this.claim();
      } catch (err) {
        if (!this.stopped)
          this.deps.logger.error({ err: errorMessage(err) }, "mail outbox: claim failed");
        return;
      }
      if (claimed.kind === "none") return;
      // PGlite answers without touching the macrotask queue: let timers and
      // sockets run between rows so a long backlog cannot starve the server.
      await new Promise((resolve) => setImmediate(resolve));
      if (claimed.kind === "job") await this.deliver(claimed.job);
      if (claimed.kind === "give-up") {
        try {
          if (!(await this.giveUp(claimed.mark, claimed.lastError))) return;
        } catch (err) {
          if (!this.stopped) {
            this.deps.logger.error(
              { outboxID: claimed.mark.id, err: errorMessage(err) },
              "mail outbox: mark failed",
            );
          }
          return;
        }
      }
    }
  }

  /**
   * On the embedded database only one process can ever hold the data
   * directory, so a row whose lease lies in the future was claimed by a
   * process that is gone (kill -9 mid-send): make it, and every message
   * waiting for a retry, due now instead of after its lease or backoff.
   * (On a PostgreSQL server other daemons may be alive and sending: there the
   * lease alone decides.)
   */
  private async recoverAfterRestart(): Promise<void> {
    if (this.deps.storage.kind !== "pglite") return;
    const { rows } = await this.deps.storage.query<{ id: unknown }>(
      `update outbox set next_attempt_at = now()
        where state in ('queued', 'failed') and link_token is not null and next_attempt_at > now()
      returning id`,
    );
    if (rows.length > 0) {
      this.deps.logger.info(
        { count: rows.length },
        `mail outbox: ${rows.length} unsent message(s) from before the restart are due now`,
      );
    }
  }

  /** Step 1. */
  private async claim(): Promise<ClaimResult> {
    const { storage, settings } = this.deps;
    return await storage.transaction(async (tx): Promise<ClaimResult> => {
      const { rows } = await tx.query<ClaimRow>(
        `select o.id, o.org_id, o.invite_id, o.send_number, o.to_email, o.link_token, o.attempts,
                i.status as invite_status, i.send_count, i.expires_at,
                (i.expires_at <= now()) as invite_expired,
                g.name as org_name, u.name as inviter_name, u.email as inviter_email
           from outbox o
           join invites i on i.id = o.invite_id
           left join orgs g on g.id = o.org_id
           left join users u on u.id = i.invited_by
          where o.state in ('queued', 'failed')
            and o.link_token is not null
            and o.next_attempt_at <= now()
          order by o.next_attempt_at, o.id
          limit 1
          for update of o skip locked`,
      );
      const row = rows[0];
      if (!row) return { kind: "none" };
      const id = String(row.id);

      if (row.invite_status !== "pending" || Number(row.send_number) !== Number(row.send_count)) {
        // Withdrawn, accepted, or superseded by a resend: this mail must not go out.
        await tx.query(`update outbox set state = 'cancelled', link_token = null where id = $1`, [
          id,
        ]);
        this.deps.logger.info(
          { outboxID: id, inviteID: row.invite_id, inviteStatus: row.invite_status },
          "mail outbox: cancelled a message whose invitation is no longer pending or was resent",
        );
        return { kind: "skipped" };
      }

      const mark: Mark = {
        id,
        orgID: row.org_id,
        inviteID: row.invite_id,
        sendNumber: Number(row.send_number),
        attempts: Number(row.attempts),
      };
      if (row.invite_expired) {
        // The link died before we could send it (daemon down for days, or a
        // long outage): sending it would only deliver a dead link. Recorded
        // after this transaction (org lock first, see mark()).
        return {
          kind: "give-up",
          mark,
          lastError:
            "the activation link expired before the email could be sent; resend the invitation",
        };
      }
      if (mark.attempts >= settings.retry.maxAttempts) {
        // Every attempt was claimed but the last one was never marked: the
        // process died during it (repeatedly, for a message that crashes the
        // sender). Stop here rather than loop forever.
        return {
          kind: "give-up",
          mark,
          lastError: `gave up after ${mark.attempts} attempts (the last one was interrupted)`,
        };
      }

      const claimed = await tx.query<{ attempts: number }>(
        `update outbox
            set attempts = attempts + 1,
                next_attempt_at = now() + ($2::int * interval '1 millisecond')
          where id = $1
        returning attempts`,
        [id, settings.leaseMs],
      );
      return {
        kind: "job",
        job: {
          id,
          orgID: row.org_id,
          inviteID: row.invite_id,
          sendNumber: Number(row.send_number),
          to: row.to_email,
          token: row.link_token,
          attempts: Number(claimed.rows[0]?.attempts ?? Number(row.attempts) + 1),
          expiresAt: toIso(row.expires_at),
          orgName: row.org_name ?? row.org_id,
          inviterName: row.inviter_name ?? "",
          inviterEmail: row.inviter_email ?? "",
        },
      };
    });
  }

  /** Steps 2 and 3. */
  private async deliver(job: Job): Promise<void> {
    const { settings, transport, logger } = this.deps;
    const link = activationLink(settings.publicUrl, job.token);
    let error: unknown;
    try {
      const rendered = renderInviteEmail({
        orgName: job.orgName,
        inviterName: job.inviterName,
        inviterEmail: job.inviterEmail,
        toEmail: job.to,
        link,
        expiresAt: job.expiresAt,
        now: Date.now(),
      });
      const result = await withTimeout(
        transport.send({
          from: settings.from,
          to: job.to,
          ...(job.inviterEmail ? { replyTo: job.inviterEmail } : {}),
          ...rendered,
          messageId: inviteMessageId(settings.publicUrl, job.inviteID, job.sendNumber),
          link,
          outboxID: job.id,
          inviteID: job.inviteID,
        }),
        settings.sendTimeoutMs,
      );
      logger.info(
        {
          outboxID: job.id,
          inviteID: job.inviteID,
          to: job.to,
          attempt: job.attempts,
          messageId: result.messageId,
          destination: result.destination,
        },
        `invitation email sent to ${job.to}`,
      );
    } catch (err) {
      error = err;
    }

    try {
      if (error === undefined) await this.markSent(job);
      else await this.markFailed(job, error);
    } catch (err) {
      // The mark did not commit: the lease expires and the row is retried
      // (after a successful send, that is the at-least-once duplicate).
      if (!this.stopped) {
        logger.error(
          { outboxID: job.id, err: errorMessage(err) },
          "mail outbox: could not record the send",
        );
      }
    }
  }

  /**
   * One MARK transaction: lock the org row first (the order every command
   * uses: org, then outbox — resend and withdraw cancel outbox rows under the
   * org lock), apply `update` to the row only if it is still ours (same
   * attempts, still queued/failed, token still there), and record the
   * delivery on the invitation in the same transaction.
   */
  private async mark(
    m: Mark,
    set: string,
    params: unknown[],
    delivery: (row: MarkedRow) => Delivery,
  ): Promise<MarkedRow | undefined> {
    return await this.deps.storage.transaction(async (tx) => {
      await tx.query("select id from orgs where id = $1 for update", [m.orgID]);
      const { rows } = await tx.query<MarkedRow>(
        `update outbox set ${set}
          where id = $1 and attempts = $2 and state in ('queued', 'failed') and link_token is not null
        returning next_attempt_at, sent_at`,
        [m.id, m.attempts, ...params],
      );
      const row = rows[0];
      if (!row) return undefined;
      await this.deps.recordDelivery(m.orgID, m.inviteID, m.sendNumber, delivery(row), tx);
      return row;
    });
  }

  private async markSent(job: Job): Promise<void> {
    const row = await this.mark(
      job,
      "state = 'sent', sent_at = now(), link_token = null, last_error = null",
      [],
      () => ({ state: "sent", attempts: job.attempts }),
    );
    if (!row) {
      // Cancelled (resent / withdrawn) or re-claimed while we were sending.
      this.deps.logger.info(
        { outboxID: job.id },
        "mail outbox: row changed during the send; not recording it",
      );
    }
  }

  private async markFailed(job: Job, err: unknown): Promise<void> {
    const { settings, logger } = this.deps;
    const message = errorMessage(err);
    const decision = decideRetry(job.attempts, settings.retry, this.random());
    if (decision.retry) {
      const row = await this.mark(
        job,
        "state = 'failed', last_error = $3, next_attempt_at = now() + ($4::int * interval '1 millisecond')",
        [message, decision.delayMs],
        (r) => ({
          state: "failed",
          attempts: job.attempts,
          lastError: message,
          nextAttemptAt: toIso(r.next_attempt_at),
        }),
      );
      if (!row) return;
      const nextAttemptAt = toIso(row.next_attempt_at);
      logger.warn(
        {
          outboxID: job.id,
          inviteID: job.inviteID,
          to: job.to,
          attempt: job.attempts,
          err: message,
          nextAttemptAt,
        },
        `invitation email to ${job.to} failed (attempt ${job.attempts} of ${settings.retry.maxAttempts}); next attempt at ${nextAttemptAt}`,
      );
      this.wakeIn(decision.delayMs);
      return;
    }
    const lastError = clip(
      `${message} (gave up after ${job.attempts} attempt${job.attempts === 1 ? "" : "s"})`,
    );
    const row = await this.mark(
      job,
      "state = 'failed', last_error = $3, link_token = null",
      [lastError],
      () => ({
        state: "failed",
        attempts: job.attempts,
        lastError,
      }),
    );
    if (!row) return;
    logger.error(
      {
        outboxID: job.id,
        inviteID: job.inviteID,
        to: job.to,
        attempts: job.attempts,
        err: message,
      },
      `invitation email to ${job.to} failed; giving up after ${job.attempts} attempts`,
    );
  }

  /** False when the row changed meanwhile (the pass then stops: no tight loop). */
  private async giveUp(m: Mark, lastError: string): Promise<boolean> {
    const row = await this.mark(
      m,
      "state = 'failed', last_error = $3, link_token = null",
      [lastError],
      () => ({ state: "failed", attempts: m.attempts, lastError }),
    );
    if (row)
      this.deps.logger.warn({ outboxID: m.id, inviteID: m.inviteID }, `mail outbox: ${lastError}`);
    return row !== undefined;
  }
}

interface MarkedRow {
  next_attempt_at: Date | string;
  sent_at: Date | string | null;
}

function errorMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return clip(raw.replace(/\s+/g, " ").trim() || "unknown error");
}

function clip(s: string): string {
  return s.length > MAX_ERROR_LENGTH ? `${s.slice(0, MAX_ERROR_LENGTH - 3)}...` : s;
}

function toIso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`sending took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
