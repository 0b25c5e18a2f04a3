/**
 * A Roster daemon as a process, launched as bench/targets.ts says, on a
 * port the bench picked, logging to a file (as the TUI's launcher does:
 * `<data dir>/daemon.log`), with the machine's ROSTER_* settings removed.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Targets } from "../targets.ts";
import { freePort, spawnProc, stopProc, waitHealth, type Proc } from "./proc.ts";

export interface DaemonProc {
  url: string;
  port: number;
  dataDir: string;
  proc: Proc;
  pid: number;
  /** Milliseconds from spawn() to the first passing /health. */
  startMs: number;
  stop(): Promise<number | string>;
}

export interface DaemonStart {
  /** Flags for the node that runs the daemon (e.g. `--cpu-prof`, `--import <preload>`). */
  nodeArgs?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** `--log-level` (default info, as a user's daemon runs). */
  logLevel?: string;
  /** Where stdout/stderr go (default `<dataDir>/daemon.log`). */
  logFile?: string;
  timeoutMs?: number;
}

/** This process's environment without ROSTER_* and NODE_OPTIONS, with a private HOME for XDG, abuse limits off. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("ROSTER_") || k === "NODE_OPTIONS" || k.startsWith("VITEST")) continue;
    env[k] = v;
  }
  mkdirSync(home, { recursive: true });
  return {
    ...env,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_DATA_HOME: join(home, "data"),
    XDG_STATE_HOME: join(home, "state"),
    NO_COLOR: "1",
    // R14's abuse limits off: the seed sends 1,000 invitations to one org and the
    // rows measure throughput, which a limit of 200 emails an hour would cap.
    ROSTER_ORGS_PER_USER_PER_DAY: "0",
    ROSTER_EMAILS_PER_ORG_PER_HOUR: "0",
    ROSTER_EMAILS_PER_ADDRESS_PER_DAY: "0",
    ...extra,
  };
}

export async function startDaemon(
  targets: Targets,
  dataDir: string,
  opts: DaemonStart = {},
): Promise<DaemonProc> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(dataDir, { recursive: true });
  const env = cleanEnv(join(dataDir, "..", "home"), opts.env);
  const { command, args } = targets.daemon;
  const proc = spawnProc(
    command,
    [
      ...(opts.nodeArgs ?? []),
      ...args,
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      "--log-level",
      opts.logLevel ?? "info",
    ],
    { env, logFile: opts.logFile ?? join(dataDir, "daemon.log") },
  );
  let ready: number;
  try {
    ready = await waitHealth(url, proc, { what: "daemon", timeoutMs: opts.timeoutMs ?? 120_000 });
  } catch (e) {
    await stopProc(proc);
    throw e;
  }
  return {
    url,
    port,
    dataDir,
    proc,
    pid: proc.pid,
    startMs: ready - proc.spawnedAt,
    stop: () => stopProc(proc),
  };
}
