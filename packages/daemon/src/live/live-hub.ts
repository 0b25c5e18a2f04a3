/**
 * The live hub: every WebSocket session of this daemon, fed by the change
 * feed (which sees the commits of every daemon on the same database).
 *
 * Protocol (SPEC §3): the client says hello{since}; the hub answers with the
 * changes after `since` read from the change log — or a snapshot from the
 * org's in-memory projection when `since` is 0, ahead of us, too far behind
 * or older than the retained log — then `ready{version}`, then every new
 * change live (the catch-up and the ordered sending: session-stream.ts). Each change frame carries `version` and `prev`; per session
 * they are gapless and in order. Entries that arrive during the catch-up are
 * queued and sent after it, so nothing falls between the two.
 *
 * Protection: pings (a socket that misses one is terminated), a bounded
 * send buffer (slow consumers are closed with CLOSE.resume), a bounded
 * catch-up queue, a hello timeout, strict message validation (anything
 * but one valid hello closes with CLOSE.protocolError), and revocation (R10):
 * the membership is checked in the database again when a session says hello
 * (whatever its `since`), and every session of a removed user on the org —
 * live, catching up, or open without a hello yet — gets `revoked` and
 * CLOSE.revoked. `checkedAt` (the org's version at the last membership
 * check) tells a removal that applies to a session from an older one.
 */
import { CLOSE, ClientMessageSchema, type ChangeEntry } from "@roster/core";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { ChangeFeed } from "../change-feed.ts";
import type { Sql } from "../storage/storage.ts";
import type { ChangeRetention } from "./change-retention.ts";
import {
  LiveSession,
  REVOKED_MESSAGE,
  type SessionCredential,
  type SessionLimits,
  type SessionStats,
} from "./live-session.ts";
import { ProjectionStore } from "./org-projection.ts";
import { SessionStream } from "./session-stream.ts";

export interface LiveHubOptions {
  storage: Sql;
  feed: ChangeFeed;
  logger: Logger;
  retention?: ChangeRetention;
  /** Ping every session this often; one missed pong terminates it (default 15 s). */
  pingIntervalMs?: number;
  /** Bytes waiting in a socket above which frames wait in the session's backlog (default 1 MiB). */
  maxBufferedBytes?: number;
  /** A backlog above this closes the session as a slow consumer (default 1 MiB). */
  maxBacklogBytes?: number;
  /** A client further behind than this gets a snapshot instead of the changes (default 1000). */
  maxCatchUp?: number;
  /** Entries held for one session during its catch-up (default 10 000). */
  maxQueued?: number;
  /** Close a socket that has not said hello after this long (default 10 s). */
  helloTimeoutMs?: number;
  /** Terminate a socket that does not complete a close after this long (default 2 s). */
  closeGraceMs?: number;
  /** Keep an unwatched org's projection this long (default 30 s). */
  projectionIdleMs?: number;
  /** The projection store to use (shared with the HTTP reads); default: a new one. */
  projections?: ProjectionStore;
  /** Live sessions this daemon serves at most (default DEFAULT_MAX_SESSIONS). */
  maxSessions?: number;
  /** Live sessions one user may hold at most (default DEFAULT_MAX_SESSIONS_PER_USER). */
  maxSessionsPerUser?: number;
  /** The clock that token expiries are read against (default Date.now; the service's). */
  now?: () => number;
}

export interface LiveHubStats extends SessionStats {
  sessions: number;
  /** Bytes waiting in all sockets and backlogs right now. */
  bufferedBytes: number;
  projections: number;
}

/** Default cap on live sessions per daemon: bounds the memory and sockets they hold. */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Default cap per user: a fifth of the daemon's, so one account cannot take them all. */
export const DEFAULT_MAX_SESSIONS_PER_USER = 2_000;
/** WebSocket close code "try again later" (RFC 6455 §7.4.1 registry). */
const TRY_AGAIN_LATER = 1013;

const TOKEN_REVOKED_MESSAGE = "The API token of this session was revoked.";
const TOKEN_EXPIRED_MESSAGE = "The API token of this session has expired.";
/** setTimeout's longest delay; a later expiry is caught by the ping tick. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LiveHub {
  readonly projections: ProjectionStore;
  readonly #opts: LiveHubOptions;
  readonly #limits: SessionLimits;
  readonly #stats: SessionStats = {
    highWaterBytes: 0,
    slowClosed: 0,
    revoked: 0,
    protocolErrors: 0,
  };
  readonly #sessions = new Set<LiveSession>();
  readonly #byOrg = new Map<string, Set<LiveSession>>();
  readonly #stream: SessionStream;
  readonly #perUser = new Map<string, number>();
  readonly #unsubscribe: () => void;
  readonly #pingTimer: NodeJS.Timeout;
  #nextID = 1;
  #closed = false;

  constructor(opts: LiveHubOptions) {
    this.#opts = opts;
    this.#limits = {
      maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
      maxBacklogBytes: opts.maxBacklogBytes ?? 1024 * 1024,
      maxQueued: opts.maxQueued ?? 10_000,
      closeGraceMs: opts.closeGraceMs ?? 2000,
    };
    this.projections =
      opts.projections ??
      new ProjectionStore(opts.storage, {
        idleMs: opts.projectionIdleMs ?? 30_000,
        onError: (err, orgID) => opts.logger.error({ err, orgID }, "org projection error"),
      });
    this.#stream = new SessionStream({
      storage: opts.storage,
      feed: opts.feed,
      projections: this.projections,
      logger: opts.logger,
      maxCatchUp: opts.maxCatchUp ?? 1000,
      now: () => this.#now(),
      closing: () => this.#closed,
      attached: (s) => this.#sessions.has(s),
    });
    this.#unsubscribe = opts.feed.subscribe((orgID, entry) => this.#onEntry(orgID, entry));
    this.#pingTimer = setInterval(() => this.#ping(), opts.pingIntervalMs ?? 15_000);
    this.#pingTimer.unref();
  }

  /**
   * Register a freshly upgraded socket of `userID` watching `orgID` (auth
   * already checked, with `credential`). `checkedAt` is the org's version
   * read with that check: the session is served from no older state (its
   * membership is in it). It is closed when the token expires.
   */
  attach(
    ws: WebSocket,
    orgID: string,
    userID: string,
    checkedAt: number,
    credential: SessionCredential,
  ): LiveSession {
    const s = new LiveSession(this.#nextID++, ws, orgID, userID, this.#limits, this.#stats, (x) =>
      this.#opts.logger.info(
        { session: x.id, orgID: x.orgID },
        "live session too slow: closed for resume",
      ),
    );
    s.checkedAt = checkedAt;
    s.tokenID = credential.tokenID;
    s.expiresAt = credential.expiresAt;
    if (this.#closed) {
      s.close(CLOSE.goingAway, "daemon shutting down");
      return s;
    }
    // Checked before the upgrade too (sessionLimit); upgrades in flight may still overshoot.
    if (this.sessionLimit(userID)) {
      s.close(TRY_AGAIN_LATER, "too many live sessions");
      return s;
    }
    this.#sessions.add(s);
    this.#perUser.set(userID, (this.#perUser.get(userID) ?? 0) + 1);
    let set = this.#byOrg.get(orgID);
    if (!set) this.#byOrg.set(orgID, (set = new Set()));
    set.add(s);
    ws.on("pong", () => {
      s.alive = true;
    });
    s.helloTimer = setTimeout(() => {
      if (s.phase === "hello") this.#protocolError(s, "no hello");
    }, this.#opts.helloTimeoutMs ?? 10_000);
    s.helloTimer.unref();
    if (s.expiresAt !== null) {
      const ms = Math.min(Math.max(0, s.expiresAt - this.#now()), MAX_TIMER_MS);
      s.expiryTimer = setTimeout(() => this.#expireSessions(), ms);
      s.expiryTimer.unref();
    }
    return s;
  }

  /**
   * R13: close every session opened with this token, on this daemon (the
   * revocation's NOTIFY brings it to the others).
   */
  revokeToken(tokenID: string): void {
    for (const s of [...this.#sessions]) {
      if (s.tokenID === tokenID) s.revoke(TOKEN_REVOKED_MESSAGE);
    }
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  /** Close the sessions whose token has expired. */
  #expireSessions(): void {
    const now = this.#now();
    for (const s of [...this.#sessions]) {
      if (s.expiresAt !== null && s.expiresAt <= now) s.revoke(TOKEN_EXPIRED_MESSAGE);
    }
  }

  /**
   * R10, right after a removal at `version` committed on this daemon: once
   * this daemon's feed delivered it (live sessions get the change, then
   * `revoked`), every session of `userID` on `orgID` whose membership was
   * checked before the removal is revoked, whatever its phase.
   */
  async revokeMember(orgID: string, userID: string, version: number): Promise<void> {
    const theirs = () =>
      [...(this.#byOrg.get(orgID) ?? [])].filter(
        (s) => s.userID === userID && s.checkedAt < version && !s.closed,
      );
    if (theirs().length === 0) return;
    // At most 2 s: a lagging feed must not hold the removal's answer.
    await this.#opts.feed.reached(orgID, version, 2000);
    for (const s of theirs()) s.revoke(REVOKED_MESSAGE);
  }

  /** A frame from the client. Only one valid hello is ever expected. */
  onMessage(s: LiveSession, data: unknown): void {
    if (s.closed) return;
    if (s.phase !== "hello" || typeof data !== "string")
      return this.#protocolError(s, "unexpected message");
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.#protocolError(s, "invalid JSON");
    }
    const msg = ClientMessageSchema.safeParse(json);
    if (!msg.success)
      return this.#protocolError(s, "invalid message: expected {type:'hello', since}");
    if (s.helloTimer) clearTimeout(s.helloTimer);
    void this.#stream.catchUp(s, msg.data.since);
  }

  /**
   * Which cap a new session of `userID` would exceed: "user" (its own),
   * "daemon" (all sessions), or undefined when it fits.
   */
  sessionLimit(userID: string): { scope: "user" | "daemon"; limit: number } | undefined {
    const perUser = this.#opts.maxSessionsPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER;
    const total = this.#opts.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if ((this.#perUser.get(userID) ?? 0) >= perUser) return { scope: "user", limit: perUser };
    if (this.#sessions.size >= total) return { scope: "daemon", limit: total };
    return undefined;
  }

  /** The socket closed (for whatever reason). */
  detach(s: LiveSession): void {
    s.disposed();
    if (!this.#sessions.delete(s)) return;
    const held = (this.#perUser.get(s.userID) ?? 1) - 1;
    if (held > 0) this.#perUser.set(s.userID, held);
    else this.#perUser.delete(s.userID);
    const set = this.#byOrg.get(s.orgID);
    set?.delete(s);
    if (set && set.size === 0) this.#byOrg.delete(s.orgID);
    if (s.holdsProjection) {
      s.holdsProjection = false;
      this.projections.release(s.orgID);
    }
  }

  stats(): LiveHubStats {
    let bufferedBytes = 0;
    for (const s of this.#sessions) bufferedBytes += s.ws.bufferedAmount + s.backlogBytes;
    return {
      ...this.#stats,
      sessions: this.#sessions.size,
      bufferedBytes,
      projections: this.projections.size,
    };
  }

  /** Close every session (CLOSE.goingAway: clients reconnect elsewhere or later). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pingTimer);
    this.#unsubscribe();
    const sockets = [...this.#sessions].map((s) => s.ws);
    for (const s of this.#sessions) s.close(CLOSE.goingAway, "daemon shutting down");
    const closed = sockets
      .filter((ws) => ws.readyState !== ws.CLOSED)
      .map((ws) => new Promise<void>((r) => ws.once("close", () => r())));
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 1000).unref())]);
    for (const ws of sockets) ws.terminate();
    this.projections.clear();
  }

  // ------------------------------------------------------------- internals

  #protocolError(s: LiveSession, why: string): void {
    this.#stats.protocolErrors++;
    this.#opts.logger.info({ session: s.id, orgID: s.orgID, why }, "live protocol error");
    s.close(CLOSE.protocolError, why);
  }

  #onEntry(orgID: string, entry: ChangeEntry): void {
    this.projections.onEntry(orgID, entry);
    this.#opts.retention?.onEntry(orgID, entry.version);
    const sessions = this.#byOrg.get(orgID);
    if (!sessions) return;
    const removed = entry.change.type === "member.removed" ? entry.change.userID : undefined;
    for (const s of [...sessions]) {
      // Before it is live (no hello yet, or catching up), a removed member's
      // session is revoked at once; a live one gets the change, then revoked.
      if (s.userID === removed && s.phase !== "live" && s.checkedAt < entry.version)
        s.revoke(REVOKED_MESSAGE);
      else if (s.phase === "catching-up") s.enqueue(entry);
      else if (s.phase === "live") this.#stream.sendEntry(s, entry);
    }
  }

  #ping(): void {
    this.#expireSessions();
    for (const s of this.#sessions) {
      if (!s.alive) {
        this.#opts.logger.info(
          { session: s.id, orgID: s.orgID },
          "live session missed a ping: terminated",
        );
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      try {
        s.ws.ping();
      } catch {
        s.ws.terminate();
      }
    }
  }
}
