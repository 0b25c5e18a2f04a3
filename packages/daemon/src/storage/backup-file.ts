/**
 * `roster backup` and `roster restore`, the daemon side of them.
 *
 * A backup file is the logical dump (logical-dump.ts), gzipped, mode 0600 (it
 * holds every org's data and every token hash). It is written to a temporary
 * name, synced and renamed: a backup file is whole or absent.
 *
 * On the embedded database the backup is taken by the running daemon, over
 * its lock socket (only the OS user owning the data directory can reach it),
 * so nothing else ever opens the directory; with no daemon running the
 * command takes the lock itself and reads the database directly. On a
 * PostgreSQL server it reads the database directly (the snapshot keeps it
 * consistent while daemons write).
 *
 * A restore builds a new database beside the data directory's, loads the
 * backup into it, syncs it, and only then swaps it in (the old one is moved
 * aside, never deleted). It holds the data-directory lock throughout: it is
 * refused while a daemon runs there. On a server it needs an empty database.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, rmSync, renameSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import {
  acquireDataDirLock,
  BACKUP_ROUTE,
  DataDirLockedError,
  liveLockSocket,
} from "./data-dir-lock.ts";
import { readText, requestOverSocket } from "./lock-socket.ts";
import { checkDump } from "./dump-reader.ts";
import { loadDump } from "./load-dump.ts";
import { dumpDatabase, type DumpHeader, type DumpSummary } from "./logical-dump.ts";
import { installDatabase } from "./pglite-open.ts";
import { hasPgliteDatabase, openPgliteStorage, pgdataDir } from "./pglite-storage.ts";
import { openPgStorage } from "./pg-storage.ts";
import type { Storage } from "./storage.ts";
import { syncDir, syncPath, syncTree } from "./sync-tree.ts";

export { defaultDataDir } from "../config.ts";
export { BadDumpError } from "./dump-reader.ts";
export { DataDirLockedError } from "./data-dir-lock.ts";

export interface BackupTarget {
  /** The daemon's data directory (embedded database). */
  dataDir: string;
  /** A PostgreSQL server instead. */
  databaseUrl?: string | undefined;
}

export interface BackupResult extends DumpSummary {
  file: string;
  bytes: number;
  /** Whether the running daemon took it. */
  viaDaemon: boolean;
}

export async function backupToFile(file: string, target: BackupTarget): Promise<BackupResult> {
  const path = resolve(file);
  const tmp = `${path}.partial-${process.pid}`;
  const gzip = createGzip();
  const written = pipeline(gzip, createWriteStream(tmp, { mode: 0o600 }));
  const tail = new LineTail();
  const write = async (chunk: string) => {
    tail.push(chunk);
    if (!gzip.write(chunk)) await once(gzip, "drain");
  };
  try {
    const viaDaemon = await dumpTarget(target, write);
    gzip.end();
    await written;
    const summary = tail.summary();
    await syncPath(tmp);
    renameSync(tmp, path);
    await syncDir(dirname(path));
    return { ...summary, file: path, bytes: (await stat(path)).size, viaDaemon };
  } catch (e) {
    gzip.destroy();
    await written.catch(() => undefined);
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Dump through the running daemon, or directly; returns whether the daemon did it. */
async function dumpTarget(
  target: BackupTarget,
  write: (chunk: string) => Promise<void>,
  retried = false,
): Promise<boolean> {
  if (target.databaseUrl) {
    await withStorage(await openPgStorage({ connectionString: target.databaseUrl }), (s) =>
      dumpDatabase(s, write),
    );
    return false;
  }
  const dir = resolve(target.dataDir);
  const socket = await liveLockSocket(dir);
  if (socket) {
    const res = await requestOverSocket(dir, socket, BACKUP_ROUTE, 30_000);
    if (res.status !== 200) {
      const body = await readText(res.body);
      const message = (JSON.parse(body || "{}") as { message?: string }).message;
      throw new Error(`the daemon did not take the backup: ${message ?? `status ${res.status}`}`);
    }
    res.body.setEncoding("utf8");
    for await (const chunk of res.body) await write(chunk as string);
    return true;
  }
  if (!hasPgliteDatabase(dir)) throw new Error(`there is no database in ${dir}`);
  let lock;
  try {
    lock = await acquireDataDirLock(dir);
  } catch (e) {
    // A daemon started meanwhile: it takes the backup.
    if (e instanceof DataDirLockedError && !retried) return dumpTarget(target, write, true);
    throw e;
  }
  try {
    await withStorage(await openPgliteStorage({ dataDir: dir }), (s) => dumpDatabase(s, write));
  } finally {
    await lock.release();
  }
  return false;
}

export interface RestoreResult extends DumpSummary {
  /** Where the database that was replaced went (embedded database only). */
  replaced?: string | undefined;
}

export async function restoreFromFile(file: string, target: BackupTarget): Promise<RestoreResult> {
  const lines = () => readBackupLines(resolve(file));
  // A whole pass first: a damaged or cut-short backup is refused before anything is touched.
  await checkDump(lines());
  if (target.databaseUrl) {
    const storage = await openPgStorage({ connectionString: target.databaseUrl });
    return withStorage(storage, async (s) => {
      const used = await s.query<{ n: number }>(
        "select count(*)::int as n from pg_class where relnamespace = current_schema()::regnamespace and relkind in ('r', 'p')",
      );
      if ((used.rows[0]?.n ?? 0) > 0) {
        throw new Error("the database is not empty: restore into a new, empty database");
      }
      return loadDump(s, lines());
    });
  }
  const dir = resolve(target.dataDir);
  const lock = await acquireDataDirLock(dir);
  const work = join(dir, `.restore-${process.pid}`);
  try {
    rmSync(work, { recursive: true, force: true });
    const summary = await withStorage(await openPgliteStorage({ dataDir: work }), (s) =>
      loadDump(s, lines()),
    );
    await syncTree(pgdataDir(work));
    const replaced = installDatabase(pgdataDir(work), pgdataDir(dir));
    await syncDir(dir);
    return { ...summary, replaced };
  } finally {
    rmSync(work, { recursive: true, force: true });
    await lock.release();
  }
}

/** The lines of a backup file, gunzipped (a plain, uncompressed dump is read too). */
async function* readBackupLines(path: string): AsyncGenerator<string> {
  const head = Buffer.alloc(2);
  const fh = await open(path, "r");
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(path);
  const text: Readable = head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (e) => text.destroy(e));
  yield* createInterface({ input: text, crlfDelay: Infinity });
}

async function withStorage<T>(storage: Storage, fn: (s: Storage) => Promise<T>): Promise<T> {
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/** Keeps a dump's first and last lines as it streams by, for its summary. */
class LineTail {
  #first: string | undefined;
  #pending = "";
  #last = "";

  push(chunk: string): void {
    const text = this.#pending + chunk;
    const end = text.lastIndexOf("\n");
    if (end < 0) {
      this.#pending = text;
      return;
    }
    const lines = text.slice(0, end).split("\n");
    this.#first ??= lines[0];
    this.#last = lines[lines.length - 1] ?? "";
    this.#pending = text.slice(end + 1);
  }

  summary(): DumpSummary {
    const header = this.#first ? (JSON.parse(this.#first) as DumpHeader) : undefined;
    const end = this.#last.startsWith('{"end":true')
      ? (JSON.parse(this.#last) as { tables: Record<string, number> })
      : undefined;
    if (!header || !end || this.#pending !== "") {
      throw new Error("the backup was cut short (the daemon stopped?): no file was written");
    }
    return { header, tables: end.tables };
  }
}
