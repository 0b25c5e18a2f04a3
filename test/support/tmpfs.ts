/** A real, small filesystem for tests that need one to fill up (root on Linux only). */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

/** Mount a tmpfs of `sizeMB` at `dir`; false when this machine does not allow it. */
export function mountTmpfs(dir: string, sizeMB: number): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  return spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMB}m`, "tmpfs", dir]).status === 0;
}

export function unmount(dir: string): void {
  spawnSync("umount", ["-l", dir]);
}

/** Fill the filesystem holding `dir` until a write fails; returns the filler's path. */
export function fillDisk(dir: string): string {
  const path = `${dir}/filler`;
  const fd = fs.openSync(path, "w");
  const chunk = Buffer.alloc(1 << 20, 1);
  try {
    for (let size = chunk.length; size >= 512; size >>= 2) {
      try {
        for (;;) fs.writeSync(fd, chunk, 0, size);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return path;
}
