/**
 * `roster daemon status`: is a daemon running on the data directory, and
 * how is it — from its lock file (pid, URL, start time) and GET /health
 * (version, storage, uptime). Exit 0 running and healthy, 1 running but
 * unhealthy, 3 not running or not answering.
 */
import { RosterApiError } from "@roster/core/client";
import { daemonDataDir, lockState, logPath } from "../../daemon-lock.ts";
import { cliClient } from "../context.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { print, printJson } from "../report.ts";

export interface DaemonStatusOptions {
  dataDir?: string;
  json?: boolean;
}

export interface DaemonStatus {
  running: boolean;
  /** pass: answers and its database too; fail: answers 503; unreachable; starting: not listening yet, or /health says `starting`. */
  health?: "pass" | "fail" | "unreachable" | "starting";
  pid?: number;
  url?: string;
  dataDir: string;
  startedAt?: string;
  uptimeSeconds?: number;
  storage?: string;
  version?: string;
  logFile: string;
  /** Why it is not running, or what is wrong. */
  note?: string;
}

async function probe(url: string): Promise<Partial<DaemonStatus>> {
  try {
    const h = await cliClient(url).health();
    const extra = h as { storage?: unknown; uptimeSeconds?: unknown };
    return {
      health: "pass",
      version: h.version,
      ...(typeof extra.storage === "string" ? { storage: extra.storage } : {}),
      ...(typeof extra.uptimeSeconds === "number" ? { uptimeSeconds: extra.uptimeSeconds } : {}),
    };
  } catch (e) {
    if (e instanceof RosterApiError && e.status === 503) {
      if (await isStarting(url))
        return { health: "starting", note: "it is starting (opening its database)" };
      return { health: "fail", note: "it answers, but its database does not (see its log)" };
    }
    return { health: "unreachable", note: `it does not answer at ${url}` };
  }
}

/** Whether GET /health says `starting` (the daemon listens before its database is open). */
async function isStarting(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, "")}/health`, {
      signal: AbortSignal.timeout(1500),
    });
    return ((await res.json()) as { status?: unknown }).status === "starting";
  } catch {
    return false;
  }
}

export async function daemonStatus(opts: DaemonStatusOptions): Promise<DaemonStatus> {
  const dataDir = daemonDataDir(opts.dataDir);
  const base = { dataDir, logFile: logPath(dataDir) };
  const stopped = { running: false, ...base };
  const s = lockState(dataDir);
  switch (s.state) {
    case "none":
      return { ...stopped, note: "no daemon holds its lock" };
    case "unreadable":
      return { ...stopped, note: `its lock file ${s.path} cannot be read` };
    case "stale":
      return {
        ...stopped,
        pid: s.lock.pid,
        note: `pid ${s.lock.pid} left its lock without stopping cleanly; the next daemon takes it over`,
      };
    case "elsewhere":
    case "running": {
      const { lock } = s;
      const known = { running: true, ...base, pid: lock.pid, startedAt: lock.startedAt };
      if (lock.url === undefined)
        return { ...known, health: "starting", note: "not listening yet" };
      const sinceStart = Math.max(0, Math.floor((Date.now() - Date.parse(lock.startedAt)) / 1000));
      return {
        ...known,
        url: lock.url,
        ...(Number.isNaN(sinceStart) ? {} : { uptimeSeconds: sinceStart }),
        ...(await probe(lock.url)),
        ...(s.state === "elsewhere" ? { note: `its lock names host ${lock.host}` } : {}),
      };
    }
  }
}

export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m ${s}s` : `${s}s`;
}

export function describeStatus(st: DaemonStatus): string {
  const head = st.running
    ? st.health === "pass"
      ? "Roster daemon: running"
      : `Roster daemon: running, ${st.note ?? st.health}`
    : `Roster daemon: not running (${st.note})`;
  const rows: [string, string | undefined][] = [
    ["pid", st.running ? String(st.pid) : undefined],
    ["url", st.url],
    ["data dir", st.dataDir],
    ["uptime", st.uptimeSeconds === undefined ? undefined : formatUptime(st.uptimeSeconds)],
    ["started", st.startedAt],
    ["storage", st.storage],
    ["version", st.version],
    ["log", st.logFile],
  ];
  const lines = rows
    .filter((r): r is [string, string] => r[1] !== undefined)
    .map(([k, v]) => `  ${k.padEnd(9)} ${v}`);
  return [head, ...lines].join("\n");
}

export function statusExitCode(st: DaemonStatus): ExitCode {
  if (!st.running || st.health === "unreachable" || st.health === "starting")
    return EXIT.unreachable;
  return st.health === "pass" ? EXIT.ok : EXIT.refused;
}

export async function runDaemonStatus(opts: DaemonStatusOptions): Promise<ExitCode> {
  const st = await daemonStatus(opts);
  if (opts.json) printJson(st);
  else print(describeStatus(st));
  return statusExitCode(st);
}
