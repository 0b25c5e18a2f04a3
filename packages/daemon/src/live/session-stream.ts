/**
 * What goes down one live session's socket after its hello (SPEC §3): the
 * catch-up — the changes after `since` from the change log, or a snapshot of
 * the org's projection — then `ready`, then each change in order, gapless,
 * each change's frame encoded once for every session. The hub (live-hub.ts)
 * owns the sessions and calls catchUp on a valid hello and sendEntry for
 * each live change.
 */
import { CLOSE, type ChangeEntry } from "@roster/core";
import type { Logger } from "pino";
import type { ChangeFeed } from "../change-feed.ts";
import { orgVersion, readChanges } from "../storage/change-log.ts";
import { sessionAccess } from "../storage/read-queries.ts";
import type { Sql } from "../storage/storage.ts";
import { REVOKED_MESSAGE, type LiveSession } from "./live-session.ts";
import {
  listedInvites,
  projectedMembers,
  type OrgProjection,
  type ProjectionStore,
} from "./org-projection.ts";

export interface SessionStreamDeps {
  storage: Sql;
  feed: ChangeFeed;
  projections: ProjectionStore;
  logger: Logger;
  /** A client further behind than this gets a snapshot instead of the changes. */
  maxCatchUp: number;
  /** The clock that token expiries are read against. */
  now: () => number;
  /** True once the hub is closing: stop waiting for the feed. */
  closing: () => boolean;
  /** Whether the hub still holds the session (false once it was detached). */
  attached: (s: LiveSession) => boolean;
}

export class SessionStream {
  readonly #deps: SessionStreamDeps;
  /** Each change's frame, encoded once and sent as is to every session. */
  readonly #frames = new WeakMap<ChangeEntry, Buffer>();

  constructor(deps: SessionStreamDeps) {
    this.#deps = deps;
  }

  async catchUp(s: LiveSession, since: number): Promise<void> {
    s.phase = "catching-up";
    const log = this.#deps.logger;
    try {
      // R10, R13: going live needs a live token and a membership checked
      // now, whatever `since` says.
      const member = await sessionAccess(this.#deps.storage, s, this.#deps.now());
      if (s.closed) return;
      if (member === undefined) return s.revoke(REVOKED_MESSAGE);
      s.checkedAt = Math.max(s.checkedAt, member);
      await this.#deps.projections.acquire(s.orgID);
      s.holdsProjection = true;
      if (s.closed) return this.#detachIfGone(s);
      // The client saw a newer version (through another daemon?), or the
      // membership was checked at a newer one than our feed has delivered
      // (a member who just joined): let our feed catch up first.
      const atLeast = Math.max(since, s.checkedAt);
      if (atLeast > this.#deps.projections.get(s.orgID)!.version) {
        await this.#catchUpFeed(s.orgID, atLeast);
        if (s.closed) return;
      }
      const start = this.#deps.projections.get(s.orgID)!;
      if (!start.state.members.some((m) => m.userID === s.userID)) {
        return s.revoke(REVOKED_MESSAGE);
      }
      if (since === 0 || since > start.version || start.version - since > this.#deps.maxCatchUp) {
        this.#sendSnapshot(s);
      } else if (since < start.version) {
        const entries = await this.#readLog(s.orgID, since, start.version);
        if (s.closed) return;
        if (entries[0]?.version !== since + 1) {
          this.#sendSnapshot(s); // older than the retained log
        } else {
          s.lastSent = since;
          for (const e of entries) if (!this.sendEntry(s, e)) break;
        }
      } else {
        s.lastSent = since;
      }
      if (s.phase !== "catching-up") return;
      const queued = s.queue;
      s.queue = [];
      for (const e of queued) if (!this.sendEntry(s, e)) break;
      if (s.phase !== "catching-up") return;
      s.phase = "live";
      s.send(JSON.stringify({ type: "ready", version: s.lastSent }));
    } catch (err) {
      log.error({ err, session: s.id, orgID: s.orgID }, "live catch-up failed");
      s.close(1011, "internal error");
    }
  }

  /** Release what a session that closed during an await still holds. */
  #detachIfGone(s: LiveSession): void {
    if (!this.#deps.attached(s) && s.holdsProjection) {
      s.holdsProjection = false;
      this.#deps.projections.release(s.orgID);
    }
  }

  /** Wait (a little) until this daemon's feed has delivered `version` of the org, if it exists. */
  async #catchUpFeed(orgID: string, version: number): Promise<void> {
    const current = await orgVersion(this.#deps.storage, orgID);
    if (current < version) return; // not a version of this org: the client gets a snapshot
    this.#deps.feed.poke(orgID, current);
    const deadline = Date.now() + 5000;
    while (
      (this.#deps.projections.get(orgID)?.version ?? 0) < version &&
      Date.now() < deadline &&
      !this.#deps.closing()
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Log entries after `since`, at least up to `until` (page by page). */
  async #readLog(orgID: string, since: number, until: number): Promise<ChangeEntry[]> {
    const out: ChangeEntry[] = [];
    let from = since;
    for (;;) {
      const page = await readChanges(this.#deps.storage, orgID, from);
      out.push(...page);
      const last = page[page.length - 1];
      if (!last || last.version >= until) return out;
      from = last.version;
    }
  }

  #sendSnapshot(s: LiveSession): void {
    const p: OrgProjection = this.#deps.projections.get(s.orgID)!;
    if (!p.state.members.some((m) => m.userID === s.userID)) {
      s.revoke(REVOKED_MESSAGE);
      return;
    }
    const ok = s.send(
      JSON.stringify({
        type: "snapshot",
        version: p.version,
        org: p.org,
        // In the list endpoints' key order and sort order (same bytes either way).
        members: projectedMembers(p),
        invites: listedInvites(p.state.invites),
      }),
    );
    if (ok) s.lastSent = p.version;
  }

  /** Send one entry in order; false when the session cannot take more. */
  sendEntry(s: LiveSession, e: ChangeEntry): boolean {
    if (e.version <= s.lastSent) return true;
    if (e.version !== s.lastSent + 1) {
      // Never send a gap: the client resumes from what it has.
      this.#deps.logger.warn(
        { session: s.id, orgID: s.orgID, at: s.lastSent, got: e.version },
        "live stream gap",
      );
      s.close(CLOSE.resume, "resume");
      return false;
    }
    if (!s.send(this.#frame(e))) return false;
    s.lastSent = e.version;
    if (
      e.change.type === "member.removed" &&
      e.change.userID === s.userID &&
      e.version > s.checkedAt
    ) {
      s.revoke(REVOKED_MESSAGE);
      return false;
    }
    return true;
  }

  #frame(e: ChangeEntry): Buffer {
    let t = this.#frames.get(e);
    if (t === undefined) {
      t = Buffer.from(
        JSON.stringify({
          type: "change",
          version: e.version,
          prev: e.version - 1,
          at: e.at,
          actor: e.actor,
          change: e.change,
        }),
      );
      this.#frames.set(e, t);
    }
    return t;
  }
}
