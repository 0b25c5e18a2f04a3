/**
 * Every committed change-log entry, delivered exactly once per process and in
 * version order per org — whether this process or another daemon on the same
 * PostgreSQL server committed it. Driven by LISTEN roster_changes; the
 * notification only says "org X reached version V", the entries are read
 * from the change log, so a missed or coalesced notification leaves no gap.
 * This process's own commits are handed over directly (publish(), from
 * storage/committed-changes.ts) and delivered without reading them back,
 * still in version order: an entry another daemon committed before one of
 * ours is read from the log first.
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
  /** Notifications received and not yet acted on (see #onNotify). */
  #notified = 0;
  /** Orgs whose drain is running (cleared synchronously when it ends, unlike #draining). */
  #busy = new Set<string>();
  /** Entries this process committed, by org and version, not yet delivered. */
  #local = new Map<string, Map<number, ChangeEntry>>();
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
   * Whether every version of `orgID` this feed knows of has been delivered:
   * every commit of this process (known at its COMMIT) and every one another
   * daemon announced. On a daemon alone on its database, "delivered" is then
   * the database's state; with several, up to the NOTIFYs in flight.
   */
  caughtUp(orgID: string): boolean {
    return (this.#target.get(orgID) ?? 0) <= this.deliveredVersion(orgID);
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

  /**
   * An entry this process just committed (after its COMMIT): delivered from
   * here, at once when it is the next version, without a database read.
   */
  publish(orgID: string, entry: ChangeEntry): void {
    if (this.#closed || entry.version <= this.deliveredVersion(orgID)) return;
    let mine = this.#local.get(orgID);
    if (!mine) this.#local.set(orgID, (mine = new Map()));
    // As the log would give it back (no undefined fields, no shared objects).
    mine.set(entry.version, JSON.parse(JSON.stringify(entry)) as ChangeEntry);
    this.#want(orgID, entry.version);
  }

  /** Resolves once everything known so far has been delivered. */
  async idle(): Promise<void> {
    while (this.#draining.size > 0 || this.#notified > 0) {
      if (this.#notified > 0) await new Promise((r) => setImmediate(r));
      await Promise.all([...this.#draining.values()]);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#local.clear();
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
    if (typeof msg.orgID !== "string" || typeof msg.version !== "number") return;
    const { orgID, version } = msg;
    // Acted on after the current I/O phase: PGlite notifies during COMMIT, before the
    // transaction's own publish() arrives; our own entries then need no read.
    this.#notified++;
    setImmediate(() => {
      this.#notified--;
      this.#want(orgID, version);
    });
  }

  #want(orgID: string, version: number) {
    if (this.#closed) return;
    if (version <= (this.#target.get(orgID) ?? 0)) {
      if (version <= this.deliveredVersion(orgID)) return;
    } else {
      this.#target.set(orgID, version);
    }
    if (this.#busy.has(orgID)) return;
    this.#busy.add(orgID);
    const run: Promise<void> = this.#drain(orgID).finally(() => {
      if (this.#draining.get(orgID) === run) this.#draining.delete(orgID);
    });
    this.#draining.set(orgID, run);
  }

  async #drain(orgID: string): Promise<void> {
    try {
      while (!this.#closed && (this.#target.get(orgID) ?? 0) > this.deliveredVersion(orgID)) {
        const from = this.deliveredVersion(orgID);
        const mine = this.#local.get(orgID)?.get(from + 1);
        // Our own commit, next in line: no read (and no await: delivered before its response).
        const entries = mine ? [mine] : await readChanges(this.storage, orgID, from);
        if (entries.length === 0) break;
        for (const entry of entries) {
          if (this.#closed) return;
          if (entry.version <= this.deliveredVersion(orgID)) continue;
          this.#deliver(orgID, entry);
        }
      }
    } catch (e) {
      if (this.#closed) return;
      this.opts.onError?.(e);
      // The database may be briefly unreachable: try again, the log keeps the entries.
      const retry = setTimeout(() => this.#want(orgID, this.#target.get(orgID) ?? 0), RETRY_MS);
      retry.unref();
    } finally {
      this.#busy.delete(orgID);
    }
  }

  #deliver(orgID: string, entry: ChangeEntry): void {
    this.#delivered.set(orgID, entry.version);
    const mine = this.#local.get(orgID);
    if (mine) {
      for (const v of mine.keys()) if (v <= entry.version) mine.delete(v);
      if (mine.size === 0) this.#local.delete(orgID);
    }
    for (const fn of this.#listeners) {
      try {
        fn(orgID, entry);
      } catch (e) {
        this.opts.onError?.(e);
      }
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
