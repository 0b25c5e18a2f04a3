/**
 * Finding or starting a local daemon, for the TUI and `roster daemon --detach`:
 * probe GET /health; start this same `roster` executable as `roster daemon …`
 * in a detached background process (it outlives its starter, like any
 * daemon) with its output in <dataDir>/daemon.log, and wait until it is
 * healthy.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { lockState, logPath as daemonLogPath } from "../daemon-lock.ts";
import { nodeHttpFetch } from "../http-transport.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

interface Health {
  status: number;
  /** The daemon listens but is still opening its database (`{"status":"starting"}`). */
  starting: boolean;
}

async function health(url: string, timeoutMs: number): Promise<Health | undefined> {
  try {
    const res = await nodeHttpFetch(`${url.replace(/\/+$/, "")}/health`, {
      method: "GET",
      headers: { Accept: "application/json" },
      body: null,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text().catch(() => "");
    return { status: res.status, starting: res.status === 503 && /"status":"starting"/.test(text) };
  } catch {
    return undefined;
  }
}

async function healthStatus(url: string, timeoutMs: number): Promise<number | undefined> {
  return (await health(url, timeoutMs))?.status;
}

/**
 * True when something answers GET <url>/health over HTTP at all (even 503: a
 * daemon is there). A daemon still starting is waited for (up to
 * `startingMs`), so what follows talks to a ready daemon.
 */
export async function answers(
  url: string,
  timeoutMs = 1500,
  startingMs = 60_000,
): Promise<boolean> {
  const deadline = Date.now() + startingMs;
  let starting = false;
  for (;;) {
    const h = await health(url, timeoutMs);
    // While it opens its database a starting daemon may not answer for a while (PGlite runs
    // on its event loop): once it said `starting`, silence means "still starting".
    if (!h && !starting) return false;
    if (h && !h.starting) return true;
    if (Date.now() > deadline) return true;
    starting = true;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when GET <url>/health answers 200 within `timeoutMs`. */
export async function isHealthy(url: string, timeoutMs = 1500): Promise<boolean> {
  return (await healthStatus(url, timeoutMs)) === 200;
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
  /** Where the daemon is to answer; port 0 takes any free port (the URL is then read from its lock). */
  url: string;
  dataDir: string;
  /** More `roster daemon` flags (`--database-url`, `--smtp-url`, …). */
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for /health (a fresh embedded database takes a few seconds). */
  timeoutMs?: number;
}

/**
 * The command that runs this same `roster` executable with `args`: Node, its
 * own flags (tsx's loader when run from source), the entry script.
 */
export function rosterCommand(args: readonly string[]): { command: string; args: string[] } {
  const entry = process.argv[1];
  if (entry === undefined) throw new Error("cannot tell which roster executable is running");
  return { command: process.execPath, args: [...process.execArgv, entry, ...args] };
}

/** `roster daemon <args>`, run as this same executable. */
export function daemonCommand(args: readonly string[]): { command: string; args: string[] } {
  return rosterCommand(["daemon", ...args]);
}

/** Start a detached daemon for `url` (loopback) and wait until it answers /health. */
export async function startDaemon(opts: StartOptions): Promise<StartedDaemon> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logPath = daemonLogPath(dataDir);
  const port = portOf(opts.url);
  const host = new URL(opts.url).hostname.replace(/^\[|\]$/g, "");
  const fd = openSync(logPath, "a", 0o600);
  const cmd = daemonCommand([
    "--port",
    String(port),
    "--host",
    host,
    "--data-dir",
    dataDir,
    ...(opts.args ?? []),
  ]);
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

  /** The URL to probe: the one asked for, or (port 0) the one the new daemon wrote in its lock. */
  const target = (): string | undefined => {
    if (port !== 0) return opts.url;
    const s = lockState(dataDir);
    return s.state === "running" && s.lock.pid === child.pid ? s.lock.url : undefined;
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const url = target();
    if (url !== undefined && (await isHealthy(url, 1000))) return { pid: child.pid, logPath, url };
    if (exited) {
      // Someone else may have started one on this port meanwhile.
      if (port !== 0 && (await isHealthy(opts.url, 1000)))
        return { pid: undefined, logPath, url: opts.url };
      const tail = lastLines(logPath, 5);
      throw new DaemonStartError(
        `The daemon stopped right after starting (exit code ${exited.code ?? exited.signal ?? "?"}).${tail ? `\n${tail}` : ""}`,
        logPath,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new DaemonStartError(
    `The daemon did not answer at ${target() ?? opts.url} within ${Math.round(timeoutMs / 1000)} s.`,
    logPath,
  );
}
