/**
 * Every committed change-log entry, delivered exactly once per process and in
 * version order per org — whether this process or another daemon on the same
 * PostgreSQL server committed it. Driven by LISTEN roster_changes; the
 * notification only says "org X reached version V", the entries are read
 * from the change log, so a missed or coalesced notification leaves no gap.
 */
import type { ChangeEntry } from "@roster/core";
import { CHANGES_CHANNEL, orgVersions, readChanges } from "./storage/change-log.ts";
import type { Storage } from "./storage/storage.ts";

const RETRY_MS = 1000;

export type ChangeListener = (orgID: string, entry: ChangeEntry) => void;

export interface ChangeFeedOptions {
  onError?: (err: unknown) => void;
}

export class ChangeFeed {
  #listeners = new Set<ChangeListener>();
  /** Last version delivered per org. */
  #delivered = new Map<string, number>();
  /** Highest version known to exist per org (from notifications). */
  #target = new Map<string, number>();
  #draining = new Map<string, Promise<void>>();
  #unlisten: (() => Promise<void>) | undefined;
  #closed = false;

  private constructor(
    private readonly storage: Storage,
    private readonly opts: ChangeFeedOptions,
  ) {}

  /** Start listening; entries committed from now on are delivered. */
  static async start(storage: Storage, opts: ChangeFeedOptions = {}): Promise<ChangeFeed> {
    const feed = new ChangeFeed(storage, opts);
    // Listen first, then read the versions: nothing falls between the two.
    feed.#unlisten = await storage.listen(CHANGES_CHANNEL, (payload) => feed.#onNotify(payload), {
      onReconnect: () => void feed.#resyncAll(),
    });
    for (const { orgID, version } of await orgVersions(storage)) {
      if (!feed.#delivered.has(orgID)) feed.#delivered.set(orgID, version);
    }
    return feed;
  }

  subscribe(fn: ChangeListener): () => void {
    this.#listeners.add(fn);
    return () => {
      this.#listeners.delete(fn);
    };
  }

  /** The last version of `orgID` this feed delivered (0 if none yet). */
  deliveredVersion(orgID: string): number {
    return this.#delivered.get(orgID) ?? 0;
  }

  /**
   * Tell the feed that `orgID` reached `version` (e.g. right after this
   * process committed). Optional: the NOTIFY says the same.
   */
  poke(orgID: string, version: number): void {
    this.#want(orgID, version);
  }

  /**
   * Deliver `orgID` up to `version` (committed: e.g. by this process just
   * now) and resolve once delivered, so its effects on live sessions are
   * done; false if that took longer than `timeoutMs`.
   */
  async reached(orgID: string, version: number, timeoutMs = 5000): Promise<boolean> {
    this.#want(orgID, version);
    const deadline = Date.now() + timeoutMs;
    while (this.deliveredVersion(orgID) < version && !this.#closed && Date.now() < deadline) {
      const run = this.#draining.get(orgID);
      let timer: NodeJS.Timeout | undefined;
      const wait = new Promise<void>((r) => {
        timer = setTimeout(r, run ? Math.max(0, deadline - Date.now()) : 5);
      });
      // A drain may wait on the database for long: never past the deadline.
      await Promise.race(run ? [run, wait] : [wait]);
      clearTimeout(timer);
    }
    return this.deliveredVersion(orgID) >= version;
  }

  /** Resolves once everything known so far has been delivered. */
  async idle(): Promise<void> {
    while (this.#draining.size > 0) await Promise.all([...this.#draining.values()]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await this.#unlisten?.().catch(() => undefined);
    await Promise.allSettled([...this.#draining.values()]);
  }

  #onNotify(payload: string) {
    let msg: { orgID?: unknown; version?: unknown };
    try {
      msg = JSON.parse(payload) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.orgID === "string" && typeof msg.version === "number")
      this.#want(msg.orgID, msg.version);
  }

  #want(orgID: string, version: number) {
    if (this.#closed) return;
    if (version <= (this.#target.get(orgID) ?? 0)) {
      if (version <= this.deliveredVersion(orgID)) return;
    } else {
      this.#target.set(orgID, version);
    }
    if (this.#draining.has(orgID)) return;
    const run = this.#drain(orgID).finally(() => this.#draining.delete(orgID));
    this.#draining.set(orgID, run);
  }

  async #drain(orgID: string): Promise<void> {
    try {
      while (!this.#closed && (this.#target.get(orgID) ?? 0) > this.deliveredVersion(orgID)) {
        const from = this.deliveredVersion(orgID);
        const entries = await readChanges(this.storage, orgID, from);
        if (entries.length === 0) break;
        for (const entry of entries) {
          if (this.#closed) return;
          if (entry.version <= this.deliveredVersion(orgID)) continue;
          this.#delivered.set(orgID, entry.version);
          for (const fn of this.#listeners) {
            try {
              fn(orgID, entry);
            } catch (e) {
              this.opts.onError?.(e);
            }
          }
        }
      }
    } catch (e) {
      if (this.#closed) return;
      this.opts.onError?.(e);
      // The database may be briefly unreachable: try again, the log keeps the entries.
      const retry = setTimeout(() => this.#want(orgID, this.#target.get(orgID) ?? 0), RETRY_MS);
      retry.unref();
    }
  }

  /** After a lost LISTEN connection: catch up every org that moved meanwhile. */
  async #resyncAll(): Promise<void> {
    try {
      for (const { orgID, version } of await orgVersions(this.storage)) this.#want(orgID, version);
    } catch (e) {
      if (!this.#closed) this.opts.onError?.(e);
    }
  }
}
