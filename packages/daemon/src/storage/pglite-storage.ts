/**
 * Storage on embedded PGlite, persisted under `<dataDir>/pgdata`. PGlite takes
 * no lock of its own: the caller must hold the data-directory lock.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import {
  RETRYABLE_SQLSTATES,
  sqlState,
  type QueryResult,
  type Sql,
  type Storage,
} from "./storage.ts";

export interface PgliteStorageOptions {
  /** The daemon's data directory; the database lives in `<dataDir>/pgdata`. */
  dataDir: string;
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
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Imported lazily: a daemon on a PostgreSQL server never loads the WASM build.
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create({ dataDir: dir });
  return new PgliteStorage(db);
}

class PgliteStorage implements Storage {
  readonly kind = "pglite" as const;
  #closed = false;

  constructor(private readonly db: PGlite) {}

  async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const r = await this.db.query<T>(text, params ? [...params] : undefined);
    return { rows: r.rows };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (tx: Transaction) => fn(wrapTx(tx)));
      } catch (e) {
        // One connection: serialization failures cannot really happen, but be safe.
        if (attempt >= 3 || !RETRYABLE_SQLSTATES.has(sqlState(e) ?? "")) throw e;
      }
    }
  }

  async listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(channel, fn);
    return async () => {
      if (!this.#closed) await unlisten();
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.close();
  }
}

function wrapTx(tx: Transaction): Sql {
  return {
    async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await tx.query<T>(text, params ? [...params] : undefined);
      return { rows: r.rows };
    },
  };
}
