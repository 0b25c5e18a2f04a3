/**
 * Exclusive lock on a daemon's data directory (SPEC §7). PGlite takes no lock
 * of its own and two processes on one directory silently lose data, so the
 * daemon holds `<dataDir>/daemon.lock` (JSON: pid, host, port, url) while it
 * runs. A second daemon refuses to start and names the holder; the lock of a
 * process that no longer exists is taken over.
 *
 * The file only ever appears complete: it is written to a temporary name and
 * hard-linked into place (link fails if the lock exists). Taking over a stale
 * lock renames it away first, which only one contender can do.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

export const LOCK_FILE = "daemon.lock";

export interface LockInfo {
  pid: number;
  host: string;
  /** Set once the daemon listens. */
  port?: number;
  url?: string;
  startedAt: string;
  /** Random id of this holder (tells two holders with the same pid apart). */
  nonce: string;
}

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo | undefined,
  ) {
    super(describeHolder(dataDir, holder));
  }
}

function describeHolder(dataDir: string, h: LockInfo | undefined): string {
  if (!h) {
    return `The data directory ${dataDir} is locked by another Roster daemon (its lock file ${join(dataDir, LOCK_FILE)} is unreadable). Stop that daemon or use another --data-dir.`;
  }
  const where = h.url ? ` serving ${h.url}` : h.port ? ` on port ${h.port}` : " (starting)";
  return `Another Roster daemon is already using the data directory ${dataDir}: pid ${h.pid} on ${h.host}${where}, since ${h.startedAt}. Stop it first, or use another --data-dir.`;
}

export interface DataDirLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Record where the daemon listens, for the message a second daemon prints. */
  update(extra: { port?: number; url?: string }): void;
  /** Remove the lock file (only if it is still ours). Idempotent. */
  release(): void;
}

/** Lock files held by this process (an in-process second daemon is refused too). */
const heldHere = new Set<string>();

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    nonce: randomBytes(8).toString("hex"),
  };
  for (let attempt = 0; attempt < 10; attempt++) {
    if (tryCreate(path, info)) return held(path, info);
    const holder = readLock(path);
    if (holder === "missing") continue; // released meanwhile: try again
    if (holder === "unreadable" || isAlive(holder, path)) {
      throw new DataDirLockedError(dir, holder === "unreadable" ? undefined : holder);
    }
    takeOverStale(path, holder);
  }
  throw new DataDirLockedError(dir, undefined);
}

/**
 * The error acquireDataDirLock would throw because a live daemon holds the
 * directory, without creating or changing anything; undefined otherwise.
 */
export function lockHolderError(dataDir: string): DataDirLockedError | undefined {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE);
  const holder = readLock(path);
  if (holder === "missing") return undefined;
  if (holder === "unreadable") return new DataDirLockedError(dir, undefined);
  return isAlive(holder, path) ? new DataDirLockedError(dir, holder) : undefined;
}

function held(path: string, info: LockInfo): DataDirLock {
  heldHere.add(path);
  let released = false;
  return {
    path,
    info,
    update(extra) {
      if (released) return;
      Object.assign(info, extra);
      const tmp = `${path}.${info.nonce}.tmp`;
      writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
      renameSync(tmp, path);
    },
    release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      const current = readLock(path);
      if (typeof current === "object" && current.nonce === info.nonce) {
        try {
          unlinkSync(path);
        } catch {}
      }
    },
  };
}

function tryCreate(path: string, info: LockInfo): boolean {
  const tmp = `${path}.${info.nonce}.tmp`;
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }
}

export function readLock(path: string): LockInfo | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    return "unreadable";
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid !== "number" || typeof v.host !== "string") return "unreadable";
    return {
      pid: v.pid,
      host: v.host,
      startedAt: typeof v.startedAt === "string" ? v.startedAt : "an unknown time",
      nonce: typeof v.nonce === "string" ? v.nonce : "",
      ...(typeof v.port === "number" ? { port: v.port } : {}),
      ...(typeof v.url === "string" ? { url: v.url } : {}),
    };
  } catch {
    return "unreadable";
  }
}

/** Whether the holder may still be running. Another host's process cannot be checked: assume yes. */
function isAlive(h: LockInfo, path: string): boolean {
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return heldHere.has(path);
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function takeOverStale(path: string, stale: LockInfo) {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const moved = readLock(aside);
  if (typeof moved === "object" && moved.nonce !== stale.nonce) {
    // A contender took the stale lock between our read and our rename: put
    // its fresh lock back (unless yet another one is there by now).
    try {
      linkSync(aside, path);
    } catch {}
  }
  try {
    unlinkSync(aside);
  } catch {}
}
