/**
 * Preload for a daemon under test (NODE_OPTIONS=--import=<this file>, Linux):
 * appends to $ROSTER_WAL_PROBE_LOG, with the monotonic clock, every write and
 * sync that reaches a file under `pg_wal/` (through the `fs` module, as
 * PGlite's file layer does) and when each HTTP request arrives and its
 * response is handed to the socket. durability-sync.test.ts reads it.
 *
 * Lines: `<ns> write|fsync|fdatasync <path>`, `<ns> req <id> <method> <url>`,
 * `<ns> res <id> <status>`.
 */
import fs from "node:fs";
import http from "node:http";

const out = process.env.ROSTER_WAL_PROBE_LOG;
if (out) {
  const logFd = fs.openSync(out, "a");
  const origWrite = fs.writeSync;
  const line = (text) => origWrite.call(fs, logFd, `${process.hrtime.bigint()} ${text}\n`);
  const pathOf = (fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return "";
    }
  };
  const wrap = (name, op) => {
    const orig = fs[name];
    fs[name] = function (fd, ...rest) {
      const r = orig.call(this, fd, ...rest);
      if (fd !== logFd) {
        const p = pathOf(fd);
        if (p.includes("/pg_wal/")) line(`${op} ${p}`);
      }
      return r;
    };
  };
  wrap("writeSync", "write");
  wrap("fsyncSync", "fsync");
  wrap("fdatasyncSync", "fdatasync");

  let next = 0;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event === "request") {
      res.probeId = ++next;
      line(`req ${res.probeId} ${req.method} ${req.url}`);
    }
    return emit.apply(this, arguments);
  };
  const end = http.ServerResponse.prototype.end;
  http.ServerResponse.prototype.end = function (...args) {
    if (this.probeId !== undefined && !this.probeEnded) {
      this.probeEnded = true;
      line(`res ${this.probeId} ${this.statusCode}`);
    }
    return end.apply(this, args);
  };
}
