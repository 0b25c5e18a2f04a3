/**
 * The outbox worker (SPEC §4): sends the emails that invite create / resend
 * queue in the `outbox` table in the same transaction as the invitation, so
 * a committed invitation's email is never lost. This file only schedules:
 * the queue (service/outbox-queue.ts) claims and records, send-invitation.ts
 * sends. One row goes through three steps:
 *
 *   1. CLAIM  — the oldest due row, leased to this worker (or cancelled, if
 *               its invitation was closed or resent; or given up, if its link
 *               expired or every attempt was interrupted).
 *   2. SEND   — render and hand to the transport, within sendTimeoutMs.
 *   3. RECORD — sent, or failed (capped backoff → next attempt, for as long
 *               as the link is valid; once the next attempt would come after
 *               the link expired, or after maxAttempts if set: no more),
 *               with the invitation's delivery state as a change
 *               every session sees live — only while the claim still holds.
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
import type { ChangeEntry } from "@roster/core";
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

export interface OutboxWorkerDeps {
  queue: Pick<OutboxQueue, "recoverAfterRestart" | "claim" | "record">;
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
      let claim: Claim;
      try {
        claim = await queue.claim({
          leaseMs: settings.leaseMs,
          maxAttempts: settings.retry.maxAttempts,
        });
      } catch (err) {
        return this.fail("mail outbox: claim failed", {}, err);
      }
      if (claim.kind === "none") return;
      // PGlite answers without touching the macrotask queue: let timers and
      // sockets run between rows so a long backlog cannot starve the server.
      await new Promise((resolve) => setImmediate(resolve));
      if (claim.kind === "cancelled") {
        const { outboxID, inviteID, inviteStatus } = claim;
        logger.info(
          { outboxID, inviteID, inviteStatus },
          "mail outbox: cancelled a message whose invitation is no longer pending or was resent",
        );
      } else if (claim.kind === "job") {
        await this.deliver(claim.job);
      } else if (!(await this.giveUp(claim.send, claim.lastError))) {
        return;
      }
    }
  }

  /** Steps 2 and 3. */
  private async deliver(job: Job): Promise<void> {
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
    const decision = error === undefined ? undefined : this.retryAfter(job);
    const retry = decision?.retry ? decision.delayMs : undefined;
    let outcome: AttemptOutcome = { state: "sent" };
    if (error !== undefined) {
      const n = job.attempts;
      const tried = `${n} attempt${n === 1 ? "" : "s"}`;
      const lastError =
        decision?.retry !== false
          ? error
          : decision.why === "max-attempts"
            ? clip(`${error} (gave up after ${tried})`)
            : clip(`${error} (gave up after ${tried}: the link expires before the next one)`);
      outcome = { state: "failed", lastError, retryInMs: retry };
    }
    let recorded;
    try {
      recorded = await this.deps.queue.record(job, outcome);
    } catch (err) {
      // Not recorded: the lease expires and the row is retried (after a
      // successful send, that is the at-least-once duplicate).
      return this.fail("mail outbox: could not record the send", { outboxID: job.id }, err);
    }
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

  /** A claim given up without sending. False when the row changed meanwhile (the pass stops). */
  private async giveUp(send: ClaimedSend, lastError: string): Promise<boolean> {
    try {
      const recorded = await this.deps.queue.record(send, { state: "failed", lastError });
      if (recorded) {
        this.deps.logger.warn(
          { outboxID: send.id, inviteID: send.inviteID },
          `mail outbox: ${lastError}`,
        );
      }
      return recorded !== undefined;
    } catch (err) {
      this.fail("mail outbox: mark failed", { outboxID: send.id }, err);
      return false;
    }
  }
}
