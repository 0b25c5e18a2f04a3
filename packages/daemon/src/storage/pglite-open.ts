/**
 * Opening PGlite durably: Postgres with fsync on, on DurableNodeFS (see
 * durable-node-fs.ts), and a new database created atomically — copied from
 * the template or initialised in a side directory, synced to disk, then
 * renamed into place — so a crash during the first start never leaves a
 * half-made `pgdata` behind.
 */
import { chmodSync, existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { DurableNodeFS, isDiskFullLine } from "./durable-node-fs.ts";
import { readTemplate, writeTemplate, type TemplateRead } from "./pgdata-template.ts";
import { syncTree, syncDir } from "./sync-tree.ts";
import { needsRecoverySync } from "./synced-tree.ts";

export interface PgliteInstance {
  db: PGlite;
  fs: DurableNodeFS;
}

/**
 * Postgres's buffer cache. PGlite's default, 128MB, grows its WASM memory
 * from 128 to 189 MB and the process's idle RSS by ~110 MB; Roster's
 * databases are small, its reads are served from memory (the org
 * projections), and evicted pages are still in the OS's page cache.
 */
export const SHARED_BUFFERS = "16MB";

/**
 * PGlite's own start parameters, without `-F` (which turns fsync off), with a
 * smaller buffer cache (SHARED_BUFFERS). Durability is untouched: fsync stays
 * on, commits stay synchronous.
 */
export function durableStartParams(defaults: readonly string[]): string[] {
  return [...defaults.filter((p) => p !== "-F"), "-c", `shared_buffers=${SHARED_BUFFERS}`];
}

/** Open the database in `pgdata` (created empty by PGlite when it holds none). */
export async function openPgliteInstance(
  pgdata: string,
  onFatal?: (line: string) => void,
): Promise<PgliteInstance> {
  const { PGlite } = await import("@electric-sql/pglite");
  // After an unclean stop Postgres syncs every file first, one by one: do it in parallel.
  const recovering = needsRecoverySync(pgdata);
  if (recovering) await syncTree(pgdata);
  const fs = new DurableNodeFS(pgdata, onFatal, recovering);
  try {
    const db = await PGlite.create({
      fs,
      startParams: durableStartParams(PGlite.defaultStartParams),
    });
    fs.endStartup();
    return { db, fs };
  } catch (e) {
    fs.releaseHandles();
    throw new DatabaseOpenError(pgdata, e, fs.lastErrors);
  }
}

/** A data directory whose database cannot be opened: names itself and the way out. */
export class DatabaseOpenError extends Error {
  override readonly name = "DatabaseOpenError";
  /** 53100 (disk full) when Postgres stopped for lack of space. */
  readonly code: string | undefined;
  constructor(
    readonly pgdata: string,
    cause: unknown,
    details: readonly string[],
  ) {
    const why = (
      details.length > 0 ? details.join(" ") : String((cause as Error)?.message ?? cause)
    ).replace(/\.$/, "");
    const dataDir = dirname(pgdata);
    super(
      `the database in ${pgdata} cannot be opened: ${why}. ` +
        `If it is damaged, restore a backup into it: roster restore <backup-file> --data-dir ${dataDir}`,
      { cause },
    );
    this.code = details.some(isDiskFullLine) ? "53100" : undefined;
  }
}

const SIDE_PREFIX = ".pgdata-new-";

/** How a first start made its database, and why not from the template. */
export type CreatedDatabase = { from: "template" } | { from: "initdb"; why: string };

/**
 * Create a new database at `pgdata` if there is none: from `template` (see
 * pgdata-template.ts) when it fits this daemon's migrations, else with
 * initdb (see buildDatabase). Either way it is made in a side directory,
 * synced and renamed into place. Returns how, or undefined when a database
 * was there. The caller holds the data-directory lock.
 */
export async function createPgliteDatabase(
  pgdata: string,
  template?: string,
): Promise<CreatedDatabase | undefined> {
  if (existsSync(join(pgdata, "PG_VERSION"))) return undefined;
  const read: TemplateRead =
    template === undefined ? { ok: false, why: "no template given" } : await readTemplate(template);
  let side: string;
  if (read.ok) {
    side = await newSideDir(pgdata);
    await writeTemplate(read.entries, side);
  } else {
    side = await buildDatabase(pgdata);
  }
  installDatabase(side, pgdata);
  await syncDir(dirname(pgdata));
  return read.ok ? { from: "template" } : { from: "initdb", why: read.why };
}

/**
 * Throw away a database this start has just created (from the template) and
 * that would not open: renamed out of `pgdata` first, so that a crash midway
 * leaves no half-deleted database behind.
 */
export function discardNewDatabase(pgdata: string): void {
  const gone = join(dirname(pgdata), `${SIDE_PREFIX}discarded-${process.pid}`);
  renameSync(pgdata, gone);
  rmSync(gone, { recursive: true, force: true });
}

/** A name for a side directory next to `pgdata` (its parent created; old ones removed). */
async function newSideDir(pgdata: string): Promise<string> {
  const parent = dirname(pgdata);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  removeAbandoned(parent);
  return join(parent, `${SIDE_PREFIX}${basename(pgdata)}-${process.pid}`);
}

/**
 * Initialise a database in a side directory next to `pgdata`, run `prepare`
 * on it (restore loads a backup there), close it cleanly and sync every file
 * to disk. Returns the side directory, ready for installDatabase().
 */
export async function buildDatabase(
  pgdata: string,
  prepare?: (db: PGlite) => Promise<void>,
): Promise<string> {
  const side = await newSideDir(pgdata);
  const { db } = await openPgliteInstance(side);
  try {
    if (prepare) await prepare(db);
  } finally {
    await db.close();
  }
  // Postgres's own rule for a data directory: its owner alone.
  chmodSync(side, 0o700);
  await syncTree(side);
  return side;
}

/**
 * Rename a built database to `pgdata`. What was there is moved aside (never
 * deleted: `pgdata.replaced-<time>`), unless it is an empty directory; returns
 * where it went. The caller syncs the parent directory.
 */
export function installDatabase(side: string, pgdata: string): string | undefined {
  let aside: string | undefined;
  if (existsSync(pgdata)) {
    if (readdirSync(pgdata).length === 0) {
      rmSync(pgdata, { recursive: true });
    } else {
      aside = `${pgdata}.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      renameSync(pgdata, aside);
    }
  }
  renameSync(side, pgdata);
  return aside;
}

/** Side directories of builds that crashed midway (we hold the lock: none is in progress). */
function removeAbandoned(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (name.startsWith(SIDE_PREFIX)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}
