/**
 * Replace a small file atomically: write a temporary file beside it (mode
 * 0600: these files hold emails), fsync it, rename it over the old one. A
 * crash leaves the old content or the new one, never half of one.
 */
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

let seq = 0;

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${++seq}.tmp`;
  const fh = await open(tmp, "w", 0o600);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
