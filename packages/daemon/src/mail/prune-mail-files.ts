/**
 * The file transport's `.eml` files hold activation links: they are deleted
 * once older than the retention (by modification time). Only `*.eml` files
 * directly in the mail directory are touched.
 */
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

/** Delete the `.eml` files of `dir` last written before `cutoff` (ms); how many went. */
export async function pruneMailFiles(dir: string, cutoff: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith(".eml")) continue;
    const file = join(dir, name);
    try {
      const s = await stat(file);
      if (!s.isFile() || s.mtimeMs >= cutoff) continue;
      await unlink(file);
      removed++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  return removed;
}
