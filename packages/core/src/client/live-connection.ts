/**
 * The live WebSocket connection to one org (SPEC §3), for Node (`ws`).
 *
 * - The token goes in the `Authorization` header of the upgrade, never in the URL.
 * - On every (re)connection it says `hello {since}` with `since` read from
 *   the caller at that moment (the last version applied, or 0 for a snapshot).
 * - Every frame is parsed and validated with ServerMessageSchema before it is
 *   delivered; a frame that does not validate closes the socket (protocol
 *   error) and the connection starts again.
 * - Reconnects with exponential backoff and jitter; a slow-consumer close
 *   (CLOSE.resume) reconnects at once.
 * - Stops for good on `revoked` (message or close code CLOSE.revoked) and on
 *   a 401/404 answer to the upgrade (token invalid, or no longer a member).
 * - A connection that receives nothing (no frame, no ping) for `idleTimeoutMs`
 *   is considered dead and replaced.
 *
 * Status: `connecting` (first attempt) → `live` (catch-up done, `ready`
 * received) → `reconnecting` (dropped, trying again) / `offline` (the daemon
 * cannot be reached; still retrying) → `revoked` (terminal) or `closed`
 * (after close()).
 */
import WebSocket from "ws";
import { CLOSE, ServerMessageSchema, type ServerMessage } from "../schemas.ts";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "offline" | "revoked" | "closed";

export interface LiveStatusInfo {
  /** Consecutive failed attempts so far. */
  attempt: number;
  /** When the next attempt starts (reconnecting/offline). */
  retryInMs?: number;
  /** Close code of the socket that just ended, if any. */
  closeCode?: number;
  /** HTTP status of a refused upgrade, if any. */
  httpStatus?: number;
  /** Human words: why the connection is not live. */
  reason?: string;
}

export interface BackoffOptions {
  /** First retry delay (default 250 ms). */
  initialMs: number;
  /** Longest delay (default 10 s). */
  maxMs: number;
  /** Growth per failed attempt (default 2). */
  factor: number;
  /** Fraction of the delay that is random, 0..1 (default 0.5: delay × [0.5, 1]). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 250,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.5,
};

/** Delay before attempt `attempt` (1-based): exponential, capped, with jitter. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const base = Math.min(
    opts.maxMs,
    opts.initialMs * Math.pow(opts.factor, Math.max(0, attempt - 1)),
  );
  return Math.round(base * (1 - opts.jitter * random()));
}

export interface LiveHandlers {
  /** Every validated server message, in order, from the current socket only. */
  message(msg: ServerMessage): void;
  /** A new socket is open and is about to say hello{since}. */
  hello?(since: number): void;
  status?(status: LiveStatus, info: LiveStatusInfo): void;
}

export interface LiveConnectionOptions {
  /** Daemon base URL, http(s)://host:port. */
  url: string;
  token: string;
  orgID: string;
  /** The version to resume from, read at every connection. */
  since(): number;
  handlers: LiveHandlers;
  backoff?: Partial<BackoffOptions>;
  /** Replace a socket that received nothing for this long (default 45 s; the daemon pings every 15 s). */
  idleTimeoutMs?: number;
  /** Give up an upgrade that takes longer than this (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Largest frame accepted from the daemon (default 16 MiB). */
  maxPayload?: number;
}

/** The live URL of an org: ws(s)://host/api/v2/orgs/:orgID/live (no token in it). */
export function liveUrl(baseUrl: string, orgID: string): string {
  const u = new URL(baseUrl.replace(/\/+$/, "") + `/api/v2/orgs/${encodeURIComponent(orgID)}/live`);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private generation = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: LiveStatus = "connecting";
  private readonly backoff: BackoffOptions;
  private readonly idleTimeoutMs: number;

  constructor(private readonly opts: LiveConnectionOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 45_000;
  }

  get status(): LiveStatus {
    return this.current;
  }

  /** Open the first connection. */
  start(): void {
    if (this.stopped || this.socket || this.retryTimer) return;
    this.setStatus("connecting", { attempt: 0 });
    this.open();
  }

  /**
   * Drop the current socket and connect again at once, resuming from
   * `since()` (used to resync after a gap). No-op once stopped.
   */
  reconnect(): void {
    if (this.stopped) return;
    this.dropSocket(CLOSE.normal, "resync");
    this.clearRetry();
    this.setStatus("reconnecting", { attempt: this.attempt });
    this.open();
  }

  /** Stop for good: close the socket, no more reconnects. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearRetry();
    this.dropSocket(CLOSE.normal, "client closing");
    this.setStatus("closed", { attempt: this.attempt });
  }

  // ------------------------------------------------------------- internals

  private open(): void {
    const gen = ++this.generation;
    const ws = new WebSocket(liveUrl(this.opts.url, this.opts.orgID), {
      headers: { Authorization: `Token ${this.opts.token}` },
      handshakeTimeout: this.opts.handshakeTimeoutMs ?? 10_000,
      maxPayload: this.opts.maxPayload ?? 16 * 1024 * 1024,
      perMessageDeflate: false,
    });
    this.socket = ws;
    let opened = false;
    let refusedStatus: number | undefined;
    const isCurrent = () => gen === this.generation && !this.stopped;

    ws.on("unexpected-response", (_req, res) => {
      refusedStatus = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on("open", () => {
      if (!isCurrent()) return;
      opened = true;
      this.touch(ws, gen);
      const since = this.opts.since();
      this.opts.handlers.hello?.(since);
      ws.send(JSON.stringify({ type: "hello", since }));
    });
    ws.on("ping", () => {
      if (isCurrent()) this.touch(ws, gen);
    });
    ws.on("message", (data, isBinary) => {
      if (!isCurrent()) return;
      this.touch(ws, gen);
      const msg = isBinary ? null : parseServerMessage(rawToString(data));
      if (!msg) {
        // A frame we do not understand: do not guess, start over.
        ws.close(CLOSE.protocolError, "invalid message");
        return;
      }
      if (msg.type === "ready") {
        this.attempt = 0;
        this.setStatus("live", { attempt: 0 });
      }
      if (msg.type === "revoked") {
        this.stopForGood("revoked", { attempt: 0, reason: msg.message });
        this.opts.handlers.message(msg);
        this.dropSocket(CLOSE.normal, "revoked");
        return;
      }
      this.opts.handlers.message(msg);
    });
    ws.on("error", () => {
      // Followed by "close"; the reason is reported there.
    });
    ws.on("close", (code, reasonBuf) => {
      if (!isCurrent()) return;
      this.socket = null;
      this.clearIdle();
      const reason = reasonBuf.toString();
      if (refusedStatus === 401 || refusedStatus === 403 || refusedStatus === 404) {
        this.stopForGood("revoked", {
          attempt: this.attempt,
          httpStatus: refusedStatus,
          reason:
            refusedStatus === 401
              ? "The daemon refused the token."
              : "This organization is not available to you (no longer a member?).",
        });
        return;
      }
      if (code === CLOSE.revoked) {
        this.stopForGood("revoked", {
          attempt: this.attempt,
          closeCode: code,
          reason: reason || "Access revoked.",
        });
        return;
      }
      if (code === CLOSE.resume) {
        // Slow consumer: resume right away from what we have.
        this.scheduleRetry(0, "reconnecting", { closeCode: code, reason: "resuming" });
        return;
      }
      this.attempt += 1;
      const delay = backoffDelay(this.attempt, this.backoff);
      if (!opened) {
        this.scheduleRetry(delay, "offline", {
          ...(refusedStatus === undefined ? {} : { httpStatus: refusedStatus }),
          reason:
            refusedStatus === undefined
              ? "The daemon cannot be reached."
              : `The daemon answered HTTP ${refusedStatus}.`,
        });
      } else {
        this.scheduleRetry(delay, "reconnecting", {
          closeCode: code,
          reason: reason || "connection lost",
        });
      }
    });
  }

  private scheduleRetry(
    delay: number,
    status: LiveStatus,
    info: Omit<LiveStatusInfo, "attempt">,
  ): void {
    if (this.stopped) return;
    this.clearRetry();
    this.setStatus(status, { ...info, attempt: this.attempt, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, delay);
    this.retryTimer.unref?.();
  }

  private stopForGood(status: LiveStatus, info: LiveStatusInfo): void {
    this.stopped = true;
    this.clearRetry();
    this.clearIdle();
    this.setStatus(status, info);
  }

  private touch(ws: WebSocket, gen: number): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      if (gen !== this.generation) return;
      // Nothing heard for too long: the peer is gone without saying so.
      ws.terminate();
    }, this.idleTimeoutMs);
    this.idleTimer.unref?.();
  }

  private dropSocket(code: number, reason: string): void {
    const ws = this.socket;
    this.socket = null;
    this.generation++;
    this.clearIdle();
    if (!ws) return;
    try {
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
      else ws.terminate();
    } catch {
      ws.terminate();
    }
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private setStatus(status: LiveStatus, info: LiveStatusInfo): void {
    this.current = status;
    this.opts.handlers.status?.(status, info);
  }
}

function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

/** Parse and validate one frame from the daemon; null when it is not a valid ServerMessage. */
export function parseServerMessage(text: string): ServerMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const r = ServerMessageSchema.safeParse(json);
  return r.success ? r.data : null;
}
