/**
 * fsync a directory tree: what a new database's files need before it may be
 * trusted (PGlite writes them through the page cache), and what a renamed
 * directory entry needs to survive a power loss.
 */
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Files synced at once (each holds a file descriptor meanwhile). */
const PARALLEL = 16;

/** Sync every file and directory under `dir`, then `dir` itself. */
export async function syncTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) if (e.isDirectory()) await syncTree(join(dir, e.name));
  const files = entries.filter((e) => e.isFile()).map((e) => join(dir, e.name));
  for (let i = 0; i < files.length; i += PARALLEL) {
    await Promise.all(files.slice(i, i + PARALLEL).map(syncPath));
  }
  await syncDir(dir);
}

/** Sync a directory's entries (after a file was created or renamed in it). */
export async function syncDir(dir: string): Promise<void> {
  try {
    await syncPath(dir);
  } catch (e) {
    // Some platforms cannot open or sync a directory; their rename is durable otherwise.
    if (!["EISDIR", "EPERM", "EINVAL", "EBADF"].includes((e as NodeJS.ErrnoException).code ?? ""))
      throw e;
  }
}

/** fsync one file (or directory). */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
