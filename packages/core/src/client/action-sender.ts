/**
 * The sender of an engine's queue: one action at a time, oldest first, each
 * over HTTP with its id as Idempotency-Key. Its answer confirms the action,
 * refuses it for good (the daemon's verdict), or keeps it — and everything
 * after it — queued for a retry with the same key (unreachable, 502/503/504).
 */
import type { DomainError } from "../errors.ts";
import type { ActionResult, PendingAction } from "../sync/pending-action.ts";
import type { SyncEvent } from "../sync/reducer.ts";
import { RosterApiError, RosterUnreachableError, type RosterClient } from "./http-client.ts";
import { backoffDelay, type BackoffOptions } from "./live-connection.ts";

/** What the sender needs from its engine. */
export interface SenderHost {
  /** The oldest action still queued, if any. */
  nextQueued(): PendingAction | undefined;
  dispatch(event: SyncEvent): void;
  /** The live socket is up: the daemon is reachable. */
  isLive(): boolean;
  isClosed(): boolean;
  /** The answer carried the invitation's activation link (kept in memory only, never queued). */
  onLink?(inviteID: string, activationURL: string): void;
}

export class ActionSender {
  private sending = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: RosterClient,
    private readonly backoff: BackoffOptions,
    private readonly host: SenderHost,
  ) {}

  /** Start sending unless it is running (or waiting for its retry timer, unless `now`). */
  kick(now = false): void {
    if (this.host.isClosed() || this.sending) return;
    if (this.timer) {
      if (!now) return;
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.sending = true;
    void this.drain().finally(() => {
      this.sending = false;
    });
  }

  /** The daemon is back: replay now rather than waiting for the retry timer. */
  resume(): void {
    this.attempt = 0;
    this.kick(true);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Send queued actions until none is left or the daemon is unreachable. */
  private async drain(): Promise<void> {
    const host = this.host;
    while (!host.isClosed()) {
      const next = host.nextQueued();
      if (!next) return;
      host.dispatch({ type: "sending", id: next.id });
      const outcome = await sendAction(this.client, next);
      if (host.isClosed()) return;
      if (outcome.kind === "confirmed") {
        this.attempt = 0;
        const invite = outcome.result.inviteID;
        if (outcome.link !== undefined && invite !== undefined) host.onLink?.(invite, outcome.link);
        host.dispatch({ type: "confirmed", id: next.id, result: outcome.result });
      } else if (outcome.kind === "rejected") {
        this.attempt = 0;
        host.dispatch({ type: "rejected", id: next.id, error: outcome.error });
      } else {
        // Unreachable or temporarily unavailable: keep it (and everything after it) queued.
        host.dispatch({ type: "deferred", id: next.id });
        this.attempt += 1;
        // While the live socket is up the daemon is reachable: retry soon, not after a long backoff.
        const delay = backoffDelay(host.isLive() ? 1 : this.attempt, this.backoff);
        this.timer = setTimeout(() => {
          this.timer = null;
          this.kick();
        }, delay);
        this.timer.unref?.();
        return;
      }
    }
  }
}

export type SendOutcome =
  /** `link`: the activationURL of a create or resend, when the daemon shows links. */
  | { kind: "confirmed"; result: ActionResult; link?: string }
  | { kind: "rejected"; error: DomainError }
  | { kind: "retry" };

/** Send `a` with its id as Idempotency-Key; never throws. */
export async function sendAction(client: RosterClient, a: PendingAction): Promise<SendOutcome> {
  try {
    return { kind: "confirmed", ...(await send(client, a)) };
  } catch (e) {
    return classify(e);
  }
}

async function send(
  c: RosterClient,
  a: PendingAction,
): Promise<{ result: ActionResult; link?: string }> {
  const key = { idempotencyKey: a.id };
  const k = a.kind;
  switch (k.type) {
    case "invite": {
      const inv = await c.createInvite(a.orgID, { email: k.email, role: k.role }, key);
      return withLink({ inviteID: inv.id, sendCount: inv.sendCount }, inv.activationURL);
    }
    case "resend": {
      const inv = await c.resendInvite(a.orgID, k.inviteID, key);
      return withLink({ inviteID: inv.id, sendCount: inv.sendCount }, inv.activationURL);
    }
    case "withdraw":
      await c.withdrawInvite(a.orgID, k.inviteID, key);
      return { result: {} };
    case "remove":
      await c.removeMember(a.orgID, k.userID, key);
      return { result: {} };
  }
}

const withLink = (result: ActionResult, link: string | undefined) =>
  link === undefined ? { result } : { result, link };

/** Unreachable, 502/503/504 → retry later (same key); any other answer is the daemon's verdict. */
function classify(e: unknown): SendOutcome {
  if (e instanceof RosterUnreachableError) return { kind: "retry" };
  if (e instanceof RosterApiError) {
    if (e.status === 502 || e.status === 503 || e.status === 504) return { kind: "retry" };
    const error: DomainError = { code: e.code, message: e.message };
    if (e.reason) error.reason = e.reason as DomainError["reason"];
    return { kind: "rejected", error };
  }
  return {
    kind: "rejected",
    error: { code: "internal error", message: e instanceof Error ? e.message : String(e) },
  };
}
