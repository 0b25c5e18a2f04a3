/**
 * The outbox worker (SPEC §4): sends the emails that invite create / resend
 * queue in the `outbox` table in the same transaction as the invitation, so
 * a committed invitation's email is never lost. This file only schedules:
 * the queue (service/outbox-queue.ts) claims and records, send-invitation.ts
 * sends. Rows go in batches (at most batchSize) through three steps:
 *
 *   1. CLAIM  — the oldest due rows, leased to this worker (or cancelled, if
 *               the invitation was closed or resent; or given up, if its link
 *               expired or every attempt was interrupted): one transaction.
 *   2. SEND   — render and hand to the transport, within sendTimeoutMs; the
 *               batch's messages side by side.
 *   3. RECORD — sent, or failed (capped backoff → next attempt, for as long
 *               as the link is valid; once the next attempt would come after
 *               the link expired, or after maxAttempts if set: no more),
 *               with the invitation's delivery state as a change
 *               every session sees live — only while the claim still holds.
 *               The whole batch in one transaction: one commit for all its
 *               deliveries (each still its own versioned change), where one
 *               per message used to double every invitation's commits.
 *
 * It drains on start, on every invite.created / invite.resent of the change
 * feed, every pollMs, and when a retry falls due before the next poll. The
 * schedule lives in the database (`next_attempt_at`), so a restarted daemon
 * resumes it as it was. A worker on the embedded database first makes the
 * rows a dead process had leased due at once (only one process can own the
 * data directory, so any lease is a dead process's); rows waiting for a retry
 * keep their time.
 *
 * Delivery guarantee — AT LEAST ONCE. In normal operation a row is sent
 * exactly once: the claim is exclusive and the record follows the send. A
 * crash (kill -9, power loss) between the moment the transport accepted the
 * message and the record's commit leaves the row claimed but unmarked; once
 * its lease expires it is claimed again and the same message (same link, same
 * Message-ID) goes out a second time. We accept that rare duplicate rather
 * than risk losing an invitation's email: the alternative (record before
 * send) loses the mail on a crash. A send that outlives sendTimeoutMs is
 * counted as failed and retried, which can also duplicate if the server did
 * accept it late.
 */
import type { ChangeEntry, Delivery } from "@roster/core";
import type {
  AttemptOutcome,
  ClaimedSend,
  Claim,
  Job,
  OutboxQueue,
} from "../service/outbox-queue.ts";
import { decideRetry, type RetryDecision } from "./backoff.ts";
import type { MailSettings } from "./mail-options.ts";
import type { MailLogger, MailTransport } from "./mail-transport.ts";
import { clip, errorMessage, sendInvitation } from "./send-invitation.ts";

/** The slice of ChangeFeed the worker needs. */
export interface OutboxFeed {
  subscribe(fn: (orgID: string, entry: ChangeEntry) => void): () => void;
}

/** One claimed row's attempt, ready to record. */
interface Attempt {
  send: ClaimedSend;
  outcome: AttemptOutcome;
  /** The message tried (absent for a row given up without sending). */
  job?: Job;
  /** The send's error, if it failed. */
  error?: string;
  /** Given up at the claim (link expired, every attempt interrupted): nothing was sent. */
  givenUp?: boolean;
}

export interface OutboxWorkerDeps {
  queue: Pick<OutboxQueue, "recoverAfterRestart" | "claim" | "recordAll">;
  feed?: OutboxFeed | undefined;
  transport: MailTransport;
  settings: MailSettings;
  logger: MailLogger;
  /** [0, 1) for the backoff jitter; Math.random by default. */
  random?: () => number;
}

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
   * and be recorded. A send abandoned here is retried after its lease
   * expires (at least once, see above).
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

  /** Log a failure unless the worker is stopping (then the database may be gone). */
  private fail(what: string, fields: object, err: unknown): void {
    if (!this.stopped) this.deps.logger.error({ ...fields, err: errorMessage(err) }, what);
  }

  private async drain(): Promise<void> {
    const { queue, settings, logger } = this.deps;
    if (!this.recovered) {
      try {
        const count = await queue.recoverAfterRestart();
        if (count > 0) {
          logger.info(
            { count },
            `mail outbox: ${count} unsent message(s) from before the restart are due now`,
          );
        }
        this.recovered = true;
      } catch (err) {
        return this.fail("mail outbox: recovery failed", {}, err);
      }
    }
    while (!this.stopped) {
      let claims: Claim[];
      try {
        claims = await queue.claim({
          leaseMs: settings.leaseMs,
          maxAttempts: settings.retry.maxAttempts,
          limit: settings.batchSize,
        });
      } catch (err) {
        return this.fail("mail outbox: claim failed", {}, err);
      }
      if (claims.length === 0) return;
      // PGlite answers without touching the macrotask queue: let timers and
      // sockets run between batches so a long backlog cannot starve the server.
      await new Promise((resolve) => setImmediate(resolve));
      const attempts: Attempt[] = [];
      const sending: Promise<Attempt>[] = [];
      for (const claim of claims) {
        if (claim.kind === "cancelled") {
          const { outboxID, inviteID, inviteStatus } = claim;
          logger.info(
            { outboxID, inviteID, inviteStatus },
            "mail outbox: cancelled a message whose invitation is no longer pending or was resent",
          );
        } else if (claim.kind === "job") {
          sending.push(this.send(claim.job));
        } else {
          const outcome = { state: "failed" as const, lastError: claim.lastError };
          attempts.push({ send: claim.send, outcome, givenUp: true });
        }
      }
      // The batch's messages go out side by side (each within the send timeout).
      attempts.push(...(await Promise.all(sending)));
      if (!(await this.recordAll(attempts))) return;
    }
  }

  /** Step 2: one message sent; how it ended (never throws). */
  private async send(job: Job): Promise<Attempt> {
    const { transport, settings, logger } = this.deps;
    let error: string | undefined;
    try {
      const result = await sendInvitation(job, transport, settings);
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
      error = errorMessage(err);
    }
    if (error === undefined) return { send: job, job, outcome: { state: "sent" } };
    const decision = this.retryAfter(job);
    const n = job.attempts;
    const tried = `${n} attempt${n === 1 ? "" : "s"}`;
    const lastError = decision.retry
      ? error
      : decision.why === "max-attempts"
        ? clip(`${error} (gave up after ${tried})`)
        : clip(`${error} (gave up after ${tried}: the link expires before the next one)`);
    const retryInMs = decision.retry ? decision.delayMs : undefined;
    return { send: job, job, error, outcome: { state: "failed", lastError, retryInMs } };
  }

  /**
   * Step 3 for a whole batch, in one transaction (see OutboxQueue.recordAll).
   * False when the pass should stop: nothing could be recorded, or a row given
   * up without sending had changed meanwhile (it would be claimed again).
   */
  private async recordAll(attempts: Attempt[]): Promise<boolean> {
    if (attempts.length === 0) return true;
    let recorded: (Delivery | undefined)[];
    try {
      recorded = await this.deps.queue.recordAll(attempts);
    } catch (err) {
      // Not recorded: the leases expire and the rows are retried (after a
      // successful send, that is the at-least-once duplicate).
      const outboxIDs = attempts.map((a) => a.send.id);
      this.fail("mail outbox: could not record the sends", { outboxIDs }, err);
      return false;
    }
    let go = true;
    attempts.forEach((a, i) => {
      const r = recorded[i];
      if (a.givenUp) {
        if (r) {
          this.deps.logger.warn(
            { outboxID: a.send.id, inviteID: a.send.inviteID },
            `mail outbox: ${a.outcome.state === "failed" ? a.outcome.lastError : ""}`,
          );
        } else go = false;
      } else if (a.job) this.report(a.job, a.error, a.outcome, r);
    });
    return go;
  }

  /** Log how a sent (or failed) message was recorded; wake up for its retry. */
  private report(
    job: Job,
    error: string | undefined,
    outcome: AttemptOutcome,
    recorded: Delivery | undefined,
  ): void {
    const { settings, logger } = this.deps;
    if (error === undefined) {
      // Cancelled (resent / withdrawn) or claimed again while we were sending.
      if (!recorded)
        logger.info(
          { outboxID: job.id },
          "mail outbox: row changed during the send; not recording it",
        );
      return;
    }
    if (!recorded) return;
    const fields = { outboxID: job.id, inviteID: job.inviteID, to: job.to };
    const retry = outcome.state === "failed" ? outcome.retryInMs : undefined;
    if (retry !== undefined) {
      const { nextAttemptAt } = recorded;
      const max = settings.retry.maxAttempts;
      const of = max === undefined ? "" : ` of ${max}`;
      logger.warn(
        { ...fields, attempt: job.attempts, err: error, nextAttemptAt },
        `invitation email to ${job.to} failed (attempt ${job.attempts}${of}); next attempt at ${nextAttemptAt}`,
      );
      this.wakeIn(retry);
    } else {
      logger.error(
        { ...fields, attempts: job.attempts, err: error },
        `invitation email to ${job.to} failed; giving up after ${job.attempts} attempts`,
      );
    }
  }

  /** After the job's failed attempt: when to try again, or give up (see backoff.ts). */
  private retryAfter(job: Job): RetryDecision {
    const linkValidForMs = Date.parse(job.expiresAt) - Date.now();
    return decideRetry(job.attempts, this.deps.settings.retry, this.random(), linkValidForMs);
  }
}
