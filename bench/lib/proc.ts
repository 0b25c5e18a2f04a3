/**
 * Processes for the bench: spawn with output to a log file, stop by pid,
 * read a process's RSS and CPU time from /proc, wait for /health.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  /** performance.now() just before spawn(). */
  spawnedAt: number;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr go here (appended); default: ignored. */
  logFile?: string;
  /** stdout piped instead (for helpers that answer on stdout). */
  pipeStdout?: boolean;
}

export function spawnProc(command: string, args: readonly string[], opts: SpawnOptions): Proc {
  const fd = opts.logFile ? openSync(opts.logFile, "a") : undefined;
  const out = fd ?? "ignore";
  const spawnedAt = performance.now();
  const child = spawn(command, [...args], {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ["ignore", opts.pipeStdout ? "pipe" : out, out],
  });
  if (fd !== undefined) closeSync(fd);
  const exited = new Promise<number | string>((res) => {
    child.once("exit", (code, signal) => res(code ?? signal ?? -1));
    child.once("error", () => res(-1));
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { child, pid: child.pid, exited, spawnedAt };
}

/**
 * Run to its end; its stdout, and ms from spawn() to exit. Throws (naming
 * `what`) unless it exits 0.
 */
export async function runToExit(
  command: string,
  args: readonly string[],
  opts: Omit<SpawnOptions, "pipeStdout">,
  what = `${command} ${args.join(" ")}`,
): Promise<{ ms: number; out: string }> {
  const p = spawnProc(command, args, { ...opts, pipeStdout: true });
  let out = "";
  p.child.stdout?.setEncoding("utf8").on("data", (s: string) => (out += s));
  const code = await p.exited;
  const ms = performance.now() - p.spawnedAt;
  if (code !== 0) throw new Error(`${what} exited with ${code}`);
  return { ms, out };
}

/** SIGTERM (then SIGKILL after `graceMs`); resolves with the exit code. */
export async function stopProc(p: Proc, graceMs = 15_000): Promise<number | string> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A `kB` field of /proc/<pid>/status in MB, or NaN once the process is gone. */
function statusMB(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Resident set size of a process in MB (VmRSS), or NaN once it is gone. */
export const rssMB = (pid: number): number => statusMB(pid, "VmRSS");

/** Peak resident set size (VmHWM) in MB. */
export const peakRssMB = (pid: number): number => statusMB(pid, "VmHWM");

/** CPU time (user + system) of a process in ms. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) — utime is the 14th, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100; // USER_HZ = 100 on Linux
  } catch {
    return NaN;
  }
}

/**
 * Wait until the process has used under `busyPct` % of one core over a
 * `windowMs` window (its background work — mail, timers — is done).
 */
export async function waitQuiet(
  pid: number,
  opts: { busyPct?: number; windowMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const windowMs = opts.windowMs ?? 300;
  const busy = opts.busyPct ?? 5;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last = cpuMs(pid);
  while (Date.now() < deadline) {
    await sleep(windowMs);
    const now = cpuMs(pid);
    if (!Number.isFinite(now) || ((now - last) / windowMs) * 100 < busy) return;
    last = now;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Poll `GET <url>/health` every `intervalMs` until it answers 200 with
 * `"status":"pass"`; resolves with performance.now() at that answer.
 * Rejects if the process exits first or after `timeoutMs`.
 */
export async function waitHealth(
  url: string,
  p: Pick<Proc, "exited">,
  opts: { intervalMs?: number; timeoutMs?: number; what?: string } = {},
): Promise<number> {
  const deadline = performance.now() + (opts.timeoutMs ?? 60_000);
  let exited: number | string | undefined;
  void p.exited.then((c) => (exited = c));
  while (performance.now() < deadline) {
    if (exited !== undefined)
      throw new Error(`${opts.what ?? "process"} exited (${exited}) before /health passed`);
    try {
      const res = await fetch(`${url}/health`);
      const body = await res.text();
      if (res.status === 200 && /"status"\s*:\s*"pass"/.test(body)) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(opts.intervalMs ?? 10);
  }
  throw new Error(`${opts.what ?? "process"}: /health did not pass within the timeout`);
}

/** The pids of a process's descendants (from /proc/<pid>/stat's ppid field). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** RSS of a process and its descendants (e.g. tsx's esbuild service), MB. */
export function rssTreeMB(pid: number): { total: number; own: number; children: number } {
  const own = rssMB(pid);
  const children = descendants(pid)
    .map(rssMB)
    .filter(Number.isFinite)
    .reduce((a, b) => a + b, 0);
  return { total: own + children, own, children };
}
