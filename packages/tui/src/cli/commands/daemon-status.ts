/**
 * `roster daemon status`: is a daemon running on the data directory, and how
 * is it — asked of the daemon itself over its lock socket (the admin channel,
 * `GET /status`: pid, URL, data dir, uptime, storage, version, whether its
 * database answers). Only the process holding the lock can answer there, so
 * no pid is trusted. Exit 0 running and healthy, 1 running but unhealthy, 3
 * not running or not answering.
 */
import { askLockHolder, readLock, STATUS_ROUTE } from "@roster/daemon/lock";
import { daemonDataDir, lockPath, logPath } from "../../daemon-lock.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { print, printJson } from "../report.ts";

export interface DaemonStatusOptions {
  dataDir?: string;
  json?: boolean;
}

export interface DaemonStatus {
  running: boolean;
  /** pass: answers and its database too; fail: its database does not; unreachable; starting: not ready yet. */
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

/** How long the daemon may take to answer (its database check alone may take 1 s). */
const ASK_TIMEOUT_MS = 5000;

/** The fields of GET /status this command shows, from its JSON. */
function fromAnswer(body: string): Partial<DaemonStatus> {
  const v = JSON.parse(body) as Record<string, unknown>;
  const str = (k: string) => (typeof v[k] === "string" ? { [k]: v[k] } : {});
  const num = (k: string) => (typeof v[k] === "number" ? { [k]: v[k] } : {});
  return {
    ...num("pid"),
    ...str("url"),
    ...str("startedAt"),
    ...num("uptimeSeconds"),
    ...str("storage"),
    ...str("version"),
    health: v.health === "pass" ? "pass" : "fail",
    ...(v.health === "pass" ? {} : { note: "it answers, but its database does not (see its log)" }),
    ...(v.stopping === true ? { note: "stopping" } : {}),
  };
}

export async function daemonStatus(opts: DaemonStatusOptions): Promise<DaemonStatus> {
  const dataDir = daemonDataDir(opts.dataDir);
  const base = { dataDir, logFile: logPath(dataDir) };
  const answer = await askLockHolder(dataDir, "GET", STATUS_ROUTE, ASK_TIMEOUT_MS);
  if (answer.state === "none") {
    // No live process holds the lock. daemon.lock, if any, is a killed daemon's.
    const left = readLock(lockPath(dataDir));
    if (typeof left === "object") {
      return {
        running: false,
        ...base,
        pid: left.pid,
        note: `pid ${left.pid} left its lock without stopping cleanly; the next daemon takes it over`,
      };
    }
    return { running: false, ...base, note: "no daemon holds its lock" };
  }
  const running = { running: true, ...base };
  if (answer.state === "unreachable") {
    return {
      ...running,
      health: "unreachable",
      note: `a process holds its lock socket ${answer.socket} but does not answer there (${answer.error})`,
    };
  }
  if (answer.status === 200) {
    try {
      return { ...running, ...fromAnswer(answer.body) };
    } catch {
      // Not JSON: not a daemon we know.
    }
  }
  if (answer.status === 503) {
    // The lock is held, the daemon is not ready yet (opening its database, migrating).
    const holder = await askLockHolder(dataDir, "GET", "/holder", ASK_TIMEOUT_MS);
    let pid: { pid?: number; startedAt?: string } = {};
    if (holder.state === "answered" && holder.status === 200) {
      try {
        const h = JSON.parse(holder.body) as { pid?: unknown; startedAt?: unknown };
        pid = {
          ...(typeof h.pid === "number" ? { pid: h.pid } : {}),
          ...(typeof h.startedAt === "string" ? { startedAt: h.startedAt } : {}),
        };
      } catch {
        // Leave it out.
      }
    }
    return { ...running, ...pid, health: "starting", note: "starting (not ready yet)" };
  }
  return {
    ...running,
    health: "unreachable",
    note: `its lock socket answered ${answer.status} to GET ${STATUS_ROUTE} (an older Roster daemon?)`,
  };
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
