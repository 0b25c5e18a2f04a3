/**
 * `roster daemon logs [-n N] [-f]`: the log of the background daemon,
 * `<data dir>/daemon.log` (JSON lines), like `tail`: all of it or its last N
 * lines, then with -f each line as it is written (a log that shrinks was
 * truncated: it is read again from its start) until Ctrl-C.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { daemonDataDir, logPath } from "../../daemon-lock.ts";
import { CliError, EXIT } from "../exit-codes.ts";

export interface DaemonLogsOptions {
  dataDir?: string;
  follow?: boolean;
  /** Only the last N lines (a whole number). */
  lines?: string;
}

const POLL_MS = 200;

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Copy bytes [start, end) of the file to stdout. */
async function copyRange(path: string, start: number, end: number): Promise<void> {
  if (end <= start) return;
  await pipeline(createReadStream(path, { start, end: end - 1 }), process.stdout, { end: false });
}

/** Where the last `n` lines of the first `size` bytes begin. */
export async function startOfLastLines(path: string, n: number, size: number): Promise<number> {
  if (n <= 0) return size;
  const fh = await open(path, "r");
  try {
    const block = Buffer.alloc(64 * 1024);
    let pos = size;
    // A final newline ends the last line; it does not start another.
    let newlines = 0;
    let skipFinal = true;
    while (pos > 0) {
      const len = Math.min(block.length, pos);
      pos -= len;
      await fh.read(block, 0, len, pos);
      for (let i = len - 1; i >= 0; i--) {
        if (block[i] !== 0x0a) {
          skipFinal = false;
          continue;
        }
        if (skipFinal) {
          skipFinal = false;
          continue;
        }
        if (++newlines === n) return pos + i + 1;
      }
    }
    return 0;
  } finally {
    await fh.close();
  }
}

export async function runDaemonLogs(opts: DaemonLogsOptions): Promise<void> {
  const path = logPath(daemonDataDir(opts.dataDir));
  let pos = 0;
  const size = await sizeOf(path);
  if (size === undefined && !opts.follow)
    throw new CliError(
      `No daemon log at ${path}. A daemon started by \`roster daemon --detach\` or by the TUI writes one; ` +
        "`roster daemon` in a terminal logs to that terminal.",
      EXIT.refused,
    );
  if (size !== undefined) {
    const from =
      opts.lines === undefined ? 0 : await startOfLastLines(path, Number(opts.lines), size);
    await copyRange(path, from, size);
    pos = size;
  }
  if (!opts.follow) return;
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const now = (await sizeOf(path)) ?? 0;
    if (now < pos) pos = 0;
    await copyRange(path, pos, now);
    pos = now;
  }
}
