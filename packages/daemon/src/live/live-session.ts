/**
 * One live WebSocket session: who it is, where its stream is, and the only
 * ways bytes leave towards it (bounded by the socket's buffered amount).
 */
import { CLOSE, type ChangeEntry } from "@roster/core";
import type { WebSocket } from "ws";

/**
 * A frame's text: a string, or its UTF-8 bytes when the same frame goes to
 * many sessions (encoded once per change, not once per session).
 */
export type Frame = string | Buffer;

/** ws options for a text frame given as bytes (shared: no allocation per send). */
const TEXT_FRAME = { binary: false } as const;

/** Why a removed member's session is revoked (R10). */
export const REVOKED_MESSAGE = "You were removed from this organization.";

export type SessionPhase = "hello" | "catching-up" | "live" | "closed";

export interface SessionLimits {
  /** Above this many bytes waiting in the socket, frames wait in the session's backlog. */
  maxBufferedBytes: number;
  /** A backlog larger than this means a slow consumer: the socket is closed for resume. */
  maxBacklogBytes: number;
  /** Entries held for a session while it catches up. */
  maxQueued: number;
  /** After asking a socket to close, terminate it if still open after this long. */
  closeGraceMs: number;
}

/** The API token a session was opened with (R13). */
export interface SessionCredential {
  tokenID: string;
  /** When it expires (ms since epoch); null: never. */
  expiresAt: number | null;
}

export interface SessionStats {
  /** Highest bufferedAmount seen on any socket right after a send. */
  highWaterBytes: number;
  slowClosed: number;
  revoked: number;
  protocolErrors: number;
}

export class LiveSession {
  phase: SessionPhase = "hello";
  /** Version of the last change (or snapshot) sent. */
  lastSent = 0;
  /** The org's version when the token and membership were last checked (upgrade, hello). */
  checkedAt = 0;
  /** The API token the session was opened with (R13: its revocation closes the session). */
  tokenID = "";
  /** When that token expires (ms since epoch); null: never. */
  expiresAt: number | null = null;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Feed entries that arrived during the catch-up. */
  queue: ChangeEntry[] = [];
  /** Frames waiting for the socket to drain, and their size. */
  private backlog: Frame[] = [];
  backlogBytes = 0;
  /** Answered the last ping. */
  alive = true;
  /** Holds a projection reference (released on close). */
  holdsProjection = false;
  helloTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly orgID: string,
    readonly userID: string,
    private readonly limits: SessionLimits,
    private readonly stats: SessionStats,
    private readonly onSlow: (s: LiveSession) => void,
  ) {}

  get closed(): boolean {
    return this.phase === "closed";
  }

  get open(): boolean {
    return this.phase !== "closed" && this.ws.readyState === this.ws.OPEN;
  }

  /**
   * Send one frame, in order. While more than maxBufferedBytes wait in the
   * socket, frames wait in a backlog that is flushed as the socket drains; a
   * backlog above maxBacklogBytes marks a slow consumer, closed with
   * CLOSE.resume (the client resumes with hello{since}). So one session
   * never holds more than both limits plus one message each: a big snapshot
   * may go out whole, but a client that stops reading is dropped.
   */
  send(text: Frame): boolean {
    if (!this.open) return false;
    if (this.backlog.length > 0 || this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.backlog.push(text);
      this.backlogBytes += text.length;
      if (this.backlogBytes > this.limits.maxBacklogBytes) {
        this.stats.slowClosed++;
        this.close(CLOSE.resume, "too slow: reconnect and resume");
        this.onSlow(this);
        return false;
      }
      return true;
    }
    this.write(text);
    return true;
  }

  private write(text: Frame): void {
    const sent = (err?: Error) => {
      if (!err) this.flush();
    };
    if (typeof text === "string") this.ws.send(text, sent);
    else this.ws.send(text, TEXT_FRAME, sent);
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.stats.highWaterBytes) this.stats.highWaterBytes = buffered;
  }

  /** Move backlog frames to the socket while it has room. */
  private flush(): void {
    while (
      this.backlog.length > 0 &&
      this.open &&
      this.ws.bufferedAmount <= this.limits.maxBufferedBytes
    ) {
      const text = this.backlog.shift()!;
      this.backlogBytes -= text.length;
      this.write(text);
    }
  }

  /** Queue an entry during the catch-up; too many means the client cannot keep up. */
  enqueue(entry: ChangeEntry): void {
    if (this.queue.length >= this.limits.maxQueued) {
      this.stats.slowClosed++;
      this.close(CLOSE.resume, "too slow: reconnect and resume");
      this.onSlow(this);
      return;
    }
    this.queue.push(entry);
  }

  /** Tell the client it lost access, then close with CLOSE.revoked. */
  revoke(message: string): void {
    if (this.phase === "closed") return;
    this.stats.revoked++;
    if (
      this.ws.readyState === this.ws.OPEN &&
      this.ws.bufferedAmount <= this.limits.maxBufferedBytes
    ) {
      this.ws.send(JSON.stringify({ type: "revoked", message }));
    }
    this.close(CLOSE.revoked, "access revoked");
  }

  /** Close (once); a peer that does not complete the close handshake is terminated. */
  close(code: number, reason: string): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.queue = [];
    this.dropBacklog();
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    try {
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
      return;
    }
    this.graceTimer = setTimeout(() => this.ws.terminate(), this.limits.closeGraceMs);
    this.graceTimer.unref();
  }

  private dropBacklog(): void {
    this.backlog = [];
    this.backlogBytes = 0;
  }

  /** The socket is gone: stop timers. */
  disposed(): void {
    this.phase = "closed";
    this.queue = [];
    this.dropBacklog();
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.graceTimer) clearTimeout(this.graceTimer);
  }
}
