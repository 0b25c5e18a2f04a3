/**
 * Storage on a PostgreSQL server (scale-out: several daemons on one database).
 * Queries go through a pool; LISTEN runs on one dedicated connection that is
 * re-established when lost (listeners are told, so they can catch up).
 */
import type { Client, Pool, PoolClient } from "pg";
import { translateDiskFull } from "./disk-full.ts";
import { RETRYABLE_SQLSTATES, sqlState } from "./storage.ts";
import type { ListenOptions, QueryResult, Sql, Storage } from "./storage.ts";

export interface PgStorageOptions {
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
  /** Called when the LISTEN connection fails (it is retried). */
  onError?: (err: Error) => void;
}

const INT8_OID = 20;
const SERVER_DISK = "the database server's disk";

export async function openPgStorage(opts: PgStorageOptions): Promise<Storage> {
  const pg = (await import("pg")).default;
  // int8 (bigint, count(*)) as a JS number when it fits, like PGlite does; per
  // pool, never by touching the process-wide pg.types.
  const types = {
    getTypeParser(oid: number, format?: "text" | "binary") {
      if (oid === INT8_OID && format !== "binary") {
        return (v: string) => {
          const n = Number(v);
          return Number.isSafeInteger(n) ? n : v;
        };
      }
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.max ?? 10, types });
  pool.on("error", (err) => opts.onError?.(err));
  // Fail fast on a bad URL instead of on the first request.
  const c = await pool.connect();
  c.release();
  return new PgStorage(
    pool,
    () => new pg.Client({ connectionString: opts.connectionString, types }),
    opts,
  );
}

interface Listener {
  channel: string;
  fn: (payload: string) => void;
  onReconnect: (() => void) | undefined;
}

class PgStorage implements Storage {
  readonly kind = "postgres" as const;
  #listeners = new Set<Listener>();
  #listenClient: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly newClient: () => Client,
    private readonly opts: PgStorageOptions,
  ) {}

  async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    try {
      const r = await this.pool.query(text, params ? [...params] : undefined);
      return { rows: r.rows as T[] };
    } catch (e) {
      throw translateDiskFull(e, SERVER_DISK);
    }
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query("begin");
        const result = await fn(wrapClient(client));
        await client.query("commit");
        return result;
      } catch (e) {
        try {
          await client.query("rollback");
        } catch {
          broken = true;
        }
        if (attempt >= 5 || !RETRYABLE_SQLSTATES.has(sqlState(e) ?? "")) {
          throw translateDiskFull(e, SERVER_DISK);
        }
      } finally {
        client.release(broken);
      }
    }
  }

  async listen(
    channel: string,
    fn: (payload: string) => void,
    opts?: ListenOptions,
  ): Promise<() => Promise<void>> {
    const listener: Listener = { channel, fn, onReconnect: opts?.onReconnect };
    const client = await this.#listenConnection();
    const first = ![...this.#listeners].some((l) => l.channel === channel);
    this.#listeners.add(listener);
    if (first) await client.query(`listen ${quoteIdent(channel)}`);
    return async () => {
      this.#listeners.delete(listener);
      const last = ![...this.#listeners].some((l) => l.channel === channel);
      if (last && this.#listenClient && !this.#closed) {
        await this.#listenClient.query(`unlisten ${quoteIdent(channel)}`).catch(() => undefined);
      }
    };
  }

  #listenConnection(): Promise<Client> {
    if (this.#listenClient) return Promise.resolve(this.#listenClient);
    this.#connecting ??= this.#connectListener().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connectListener(): Promise<Client> {
    const client = this.newClient();
    client.on("notification", (msg) => {
      for (const l of this.#listeners) if (l.channel === msg.channel) l.fn(msg.payload ?? "");
    });
    const lost = (err?: Error) => {
      if (this.#listenClient !== client) return;
      this.#listenClient = undefined;
      client.removeAllListeners("error");
      client.on("error", () => undefined);
      void client.end().catch(() => undefined);
      if (this.#closed) return;
      if (err) this.opts.onError?.(err);
      this.#scheduleReconnect(250);
    };
    client.on("error", (err) => lost(err));
    client.on("end", () => lost(new Error("LISTEN connection closed")));
    await client.connect();
    this.#listenClient = client;
    return client;
  }

  #scheduleReconnect(delayMs: number) {
    if (this.#closed || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#reconnect(delayMs);
    }, delayMs);
    this.#retryTimer.unref();
  }

  async #reconnect(delayMs: number) {
    try {
      const client = await this.#listenConnection();
      for (const channel of new Set([...this.#listeners].map((l) => l.channel))) {
        await client.query(`listen ${quoteIdent(channel)}`);
      }
      for (const l of this.#listeners) l.onReconnect?.();
    } catch (e) {
      this.opts.onError?.(e as Error);
      this.#scheduleReconnect(Math.min(delayMs * 2, 10_000));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const client = this.#listenClient;
    this.#listenClient = undefined;
    this.#listeners.clear();
    if (client) await client.end().catch(() => undefined);
    await this.pool.end();
  }
}

function wrapClient(client: PoolClient): Sql {
  return {
    async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      try {
        const r = await client.query(text, params ? [...params] : undefined);
        return { rows: r.rows as T[] };
      } catch (e) {
        // Here too, not only when the transaction ends: the caller may answer from it.
        throw translateDiskFull(e, SERVER_DISK);
      }
    },
  };
}

function quoteIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/**
 * What the server's settings let through: with fsync or synchronous_commit
 * off, a change it acknowledged can be lost in a power cut or an OS crash.
 * Undefined when commits are flushed before they are acknowledged.
 */
export async function serverDurabilityWarning(sql: Sql): Promise<string | undefined> {
  const r = await sql.query<{ fsync: string; sync: string }>(
    "select current_setting('fsync') as fsync, current_setting('synchronous_commit') as sync",
  );
  const off = [
    ...(r.rows[0]?.fsync === "off" ? ["fsync=off"] : []),
    ...(r.rows[0]?.sync === "off" ? ["synchronous_commit=off"] : []),
  ];
  if (off.length === 0) return undefined;
  return `the PostgreSQL server runs with ${off.join(" and ")}: a change it acknowledged can be lost in a power cut or an OS crash`;
}
