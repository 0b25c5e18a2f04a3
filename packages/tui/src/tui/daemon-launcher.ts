/**
 * Finding or starting the local daemon for the TUI: probe GET /health; when
 * nothing answers on a loopback URL, start `packages/daemon/src/main.ts` as a
 * detached background process (it outlives the TUI, like any daemon) with
 * its output in <dataDir>/daemon.log, and wait until it is healthy.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The HTTP status of GET <url>/health within `timeoutMs`; undefined when nothing answers. */
async function healthStatus(url: string, timeoutMs: number): Promise<number | undefined> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, "")}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.status;
  } catch {
    return undefined;
  }
}

/** True when something answers GET <url>/health over HTTP at all (even 503: a daemon is there). */
export async function answers(url: string, timeoutMs = 1500): Promise<boolean> {
  return (await healthStatus(url, timeoutMs)) !== undefined;
}

/** True when GET <url>/health answers 2xx within `timeoutMs`. */
export async function isHealthy(url: string, timeoutMs = 1500): Promise<boolean> {
  const status = await healthStatus(url, timeoutMs);
  return status !== undefined && status >= 200 && status < 300;
}

/**
 * Whether the daemon's data directory holds its database already; else its
 * first start creates one, which takes a few seconds. (What the daemon's
 * embedded PGlite leaves in `<dataDir>/pgdata`: read here, not imported, as
 * the TUI only ever starts the daemon as a process.)
 */
export function hasDaemonDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, "pgdata", "PG_VERSION"));
}

export interface StartedDaemon {
  pid: number | undefined;
  logPath: string;
  url: string;
}

export class DaemonStartError extends Error {
  override readonly name = "DaemonStartError";
  constructor(
    message: string,
    readonly logPath: string,
  ) {
    super(message);
  }
}

function portOf(url: string): number {
  const u = new URL(url);
  if (u.port !== "") return Number(u.port);
  return u.protocol === "https:" ? 443 : 80;
}

function lastLines(path: string, n: number): string {
  try {
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    return lines.slice(-n).join("\n");
  } catch {
    return "";
  }
}

export interface StartOptions {
  url: string;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for /health (a fresh embedded database takes a few seconds). */
  timeoutMs?: number;
}

/** The command that runs the daemon from source: node + tsx loader + main.ts. */
export function daemonCommand(args: readonly string[]): { command: string; args: string[] } {
  const main = fileURLToPath(new URL("../../../daemon/src/main.ts", import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return { command: process.execPath, args: ["--import", tsx, main, ...args] };
}

/** Start a detached daemon for `url` (loopback) and wait until it answers /health. */
export async function startDaemon(opts: StartOptions): Promise<StartedDaemon> {
  const { url, dataDir } = opts;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logPath = join(dataDir, "daemon.log");
  const port = portOf(url);
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  const fd = openSync(logPath, "a", 0o600);
  const cmd = daemonCommand(["--port", String(port), "--host", host, "--data-dir", dataDir]);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const child = (() => {
    try {
      return spawn(cmd.command, cmd.args, {
        detached: true,
        stdio: ["ignore", fd, fd],
        env: { ...(opts.env ?? process.env), ROSTER_PORT: String(port), ROSTER_DATA_DIR: dataDir },
      });
    } finally {
      closeSync(fd);
    }
  })();
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  child.on("error", () => {
    exited = { code: null, signal: null };
  });
  child.unref();

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (await isHealthy(url, 1000)) return { pid: child.pid, logPath, url };
    if (exited) {
      // Someone else may have started one on this port meanwhile.
      if (await isHealthy(url, 1000)) return { pid: undefined, logPath, url };
      const tail = lastLines(logPath, 5);
      throw new DaemonStartError(
        `The daemon stopped right after starting (exit code ${exited.code ?? exited.signal ?? "?"}).${tail ? `\n${tail}` : ""}`,
        logPath,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new DaemonStartError(
    `The daemon did not answer at ${url} within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s.`,
    logPath,
  );
}
