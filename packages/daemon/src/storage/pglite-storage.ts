/**
 * Storage on embedded PGlite, persisted under `<dataDir>/pgdata`. PGlite takes
 * no lock of its own: the caller must hold the data-directory lock.
 *
 * Durable: Postgres runs with fsync on, over a filesystem whose syncs reach
 * the disk (pglite-open.ts, durable-node-fs.ts), so a commit is on disk
 * before it is acknowledged.
 *
 * Every call goes through one queue (PGlite has one connection), transactions
 * included, so that after a PANIC — e.g. the WAL could not grow on a full
 * disk — nothing calls into the dead instance again. The next call after it
 * (at most one attempt per REOPEN_EVERY_MS) reopens the database, which
 * recovers from its WAL; until then every call fails as unavailable (503).
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Mutex as MutexType, PGlite } from "@electric-sql/pglite";
import { translateDiskFull } from "./disk-full.ts";
import {
  createPgliteDatabase,
  discardNewDatabase,
  openPgliteInstance,
  type PgliteInstance,
} from "./pglite-open.ts";
import { defaultTemplateFile } from "./pgdata-template.ts";
import {
  DatabaseUnavailableError,
  RETRYABLE_SQLSTATES,
  sqlState,
  type ListenOptions,
  type QueryResult,
  type Sql,
  type Storage,
  type StorageLog,
} from "./storage.ts";

export interface PgliteStorageOptions {
  /** The daemon's data directory; the database lives in `<dataDir>/pgdata`. */
  dataDir: string;
  /** Told when the database dies and is reopened. */
  log?: StorageLog | undefined;
  /**
   * The data-directory template a first start copies (pgdata-template.ts);
   * default: the one built beside the daemon's code; null: run initdb.
   */
  template?: string | null | undefined;
}

export function pgdataDir(dataDir: string): string {
  return join(dataDir, "pgdata");
}

/** Whether `dataDir` holds a database already (else the first start creates one: seconds). */
export function hasPgliteDatabase(dataDir: string): boolean {
  return existsSync(join(pgdataDir(dataDir), "PG_VERSION"));
}

export async function openPgliteStorage(opts: PgliteStorageOptions): Promise<Storage> {
  const dir = pgdataDir(opts.dataDir);
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const template = opts.template === undefined ? defaultTemplateFile() : opts.template;
  // Imported lazily (a daemon on a PostgreSQL server never loads the WASM build),
  // while a first start copies the template.
  const [{ Mutex }, created] = await Promise.all([
    import("@electric-sql/pglite"),
    createPgliteDatabase(dir, template ?? undefined),
  ]);
  if (created) opts.log?.info({ pgdata: dir, ...created }, "created the embedded database");
  const storage = new PgliteStorage(dir, new Mutex(), opts.log);
  try {
    await storage.open();
  } catch (e) {
    if (created?.from !== "template") throw e;
    // A template that does not suit this PGlite (a stale build): it holds nothing yet.
    opts.log?.error(
      { err: e },
      "the database made from the template does not open: running initdb",
    );
    discardNewDatabase(dir);
    await createPgliteDatabase(dir);
    opts.log?.info({ pgdata: dir, from: "initdb" }, "created the embedded database");
    await storage.open();
  }
  return storage;
}

/** Minimum milliseconds between two attempts to reopen a dead database. */
const REOPEN_EVERY_MS = 1000;

interface Listener {
  channel: string;
  fn: (payload: string) => void;
  onReconnect: (() => void) | undefined;
  unlisten?: (() => Promise<void>) | undefined;
}

class PgliteStorage implements Storage {
  readonly kind = "pglite" as const;
  #instance: PgliteInstance | undefined;
  #down: { reason: unknown; lastTry: number } | undefined;
  #listeners = new Set<Listener>();
  #closed = false;

  constructor(
    private readonly pgdata: string,
    private readonly mutex: MutexType,
    private readonly log: StorageLog | undefined,
  ) {}

  async open(): Promise<void> {
    this.#instance = await this.#openInstance();
  }

  query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.#run((db) => runQuery<T>(db, text, params));
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#run((db, inst) => this.#transactionOn(db, inst, fn));
      } catch (e) {
        // One connection: serialization failures cannot really happen, but be safe.
        if (attempt >= 3 || !RETRYABLE_SQLSTATES.has(sqlState(e) ?? "")) throw e;
      }
    }
  }

  async listen(
    channel: string,
    fn: (payload: string) => void,
    opts: ListenOptions = {},
  ): Promise<() => Promise<void>> {
    const l: Listener = { channel, fn, onReconnect: opts.onReconnect };
    l.unlisten = await this.#run((db) => db.listen(channel, fn));
    this.#listeners.add(l);
    return async () => {
      if (!this.#listeners.delete(l) || this.#closed || this.#down) return;
      await this.#run(async () => {
        await l.unlisten?.();
      });
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.mutex.runExclusive(async () => {
      const inst = this.#instance;
      this.#instance = undefined;
      if (!inst) return;
      if (inst.fs.fatal) inst.fs.releaseHandles();
      else await inst.db.close();
    });
  }

  async #transactionOn<T>(db: PGlite, inst: PgliteInstance, fn: (tx: Sql) => Promise<T>) {
    await db.exec("begin");
    try {
      const result = await fn({
        // Translated here, not only when the transaction ends: the caller may
        // answer from a failed statement's error before it rolls back.
        query: async <R>(text: string, params?: readonly unknown[]) => {
          if (inst.fs.fatal) throw new DatabaseUnavailableError(this.#downMessage(), inst.fs.fatal);
          try {
            return await runQuery<R>(db, text, params);
          } catch (e) {
            throw this.#translate(inst, e);
          }
        },
      });
      await db.exec("commit");
      return result;
    } catch (e) {
      // A dead instance must not be called again, not even to roll back.
      if (!inst.fs.fatal) await db.exec("rollback").catch(() => undefined);
      throw e;
    }
  }

  /** Run `op` alone on a live instance; a failure that killed the instance marks it down. */
  #run<T>(op: (db: PGlite, inst: PgliteInstance) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(async () => {
      if (this.#closed) throw new Error("PGlite is closed");
      const inst = await this.#live();
      try {
        return await op(inst.db, inst);
      } catch (e) {
        if (inst.fs.fatal && this.#instance === inst) this.#markDown(inst, e);
        throw this.#translate(inst, e);
      }
    });
  }

  /** A failure of `inst` as the API sees it: unavailable when it killed the instance, 503 on a full disk. */
  #translate(inst: PgliteInstance, e: unknown): unknown {
    return translateDiskFull(
      inst.fs.fatal && !(e instanceof DatabaseUnavailableError)
        ? new DatabaseUnavailableError(this.#downMessage(), e)
        : e,
      `the disk holding ${this.pgdata}`,
    );
  }

  /** The live instance, reopening a dead one (at most once per REOPEN_EVERY_MS). */
  async #live(): Promise<PgliteInstance> {
    if (this.#instance && !this.#down) return this.#instance;
    const down = this.#down;
    if (down && Date.now() - down.lastTry < REOPEN_EVERY_MS) {
      throw translateDiskFull(
        new DatabaseUnavailableError(this.#downMessage(), down.reason),
        `the disk holding ${this.pgdata}`,
      );
    }
    try {
      const inst = await this.#openInstance();
      this.#instance = inst;
      this.#down = undefined;
      this.log?.info({ pgdata: this.pgdata }, "embedded database reopened");
      await this.#relisten(inst.db);
      return inst;
    } catch (e) {
      this.#down = { reason: e, lastTry: Date.now() };
      this.log?.error({ err: e }, "could not reopen the embedded database");
      throw translateDiskFull(
        new DatabaseUnavailableError(this.#downMessage(), e),
        `the disk holding ${this.pgdata}`,
      );
    }
  }

  #openInstance(): Promise<PgliteInstance> {
    return openPgliteInstance(this.pgdata, (line) =>
      this.log?.error({ pgdata: this.pgdata, line }, "embedded database stopped"),
    );
  }

  #markDown(inst: PgliteInstance, reason: unknown): void {
    inst.fs.releaseHandles();
    this.#instance = undefined;
    this.#down = { reason, lastTry: 0 };
  }

  /** LISTEN again on a reopened database; listeners catch up on what they missed. */
  async #relisten(db: PGlite): Promise<void> {
    for (const l of this.#listeners) {
      l.unlisten = await db.listen(l.channel, l.fn);
      // After this call returns and releases the queue.
      if (l.onReconnect) setImmediate(l.onReconnect);
    }
  }

  #downMessage(): string {
    return `The embedded database in ${this.pgdata} stopped after an error and is being reopened`;
  }
}

async function runQuery<T>(
  db: PGlite,
  text: string,
  params?: readonly unknown[],
): Promise<QueryResult<T>> {
  const r = await db.query<T>(text, params ? [...params] : undefined);
  return { rows: r.rows };
}
