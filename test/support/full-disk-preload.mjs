/**
 * Preload for a daemon under test (NODE_OPTIONS=--import=<this file>): a full
 * disk under $ROSTER_FULL_DISK_DIR, switched by the file $ROSTER_FULL_DISK_FLAG.
 * While the flag file says `grow`, every write through `fs` that would grow a
 * file there fails with ENOSPC (a disk without a free block; writes within a
 * file's allocated size still work); while it says `all`, every write there
 * fails (a full copy-on-write filesystem, where overwriting needs room too).
 * PGlite's file layer writes through this `fs` module.
 */
import fs from "node:fs";

const dir = process.env.ROSTER_FULL_DISK_DIR;
const flag = process.env.ROSTER_FULL_DISK_FLAG;
if (dir && flag) {
  const paths = new Map();
  const { openSync, writeSync, readFileSync, fstatSync } = fs;
  const mode = () => {
    try {
      return readFileSync.call(fs, flag, "utf8").trim();
    } catch {
      return "";
    }
  };
  fs.openSync = function (path, ...rest) {
    const fd = openSync.call(fs, path, ...rest);
    paths.set(fd, String(path));
    return fd;
  };
  fs.writeSync = function (fd, buffer, ...rest) {
    if (paths.get(fd)?.startsWith(dir) && typeof buffer !== "string") {
      const m = mode();
      const [offset = 0, length = buffer.byteLength - offset, position] = rest;
      const grows = typeof position !== "number" || position + length > fstatSync.call(fs, fd).size;
      if (m === "all" || (m === "grow" && grows)) {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
          code: "ENOSPC",
          errno: -28,
          syscall: "write",
        });
      }
    }
    return writeSync.call(fs, fd, buffer, ...rest);
  };
}
