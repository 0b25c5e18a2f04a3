/**
 * What the TUI's launcher knows of the daemon on a data directory: its lock
 * file `<dataDir>/daemon.lock` (pid, URL, start time), read with the daemon
 * package's own `readLock()`. (`roster daemon status|stop` ask the daemon
 * itself over its lock socket instead: cli/commands/daemon-status.ts.)
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { readLock, type LockInfo } from "@roster/daemon/lock";
import { dataDir } from "./config.ts";

export const LOCK_FILE = "daemon.lock";
export const LOG_FILE = "daemon.log";

/** The data directory a `roster daemon …` command acts on: --data-dir, else $ROSTER_DATA_DIR, else XDG's. */
export function daemonDataDir(flag?: string): string {
  return resolve(flag ?? dataDir());
}

export function lockPath(dataDir: string): string {
  return join(resolve(dataDir), LOCK_FILE);
}

export function logPath(dataDir: string): string {
  return join(resolve(dataDir), LOG_FILE);
}

export type LockState =
  | { state: "none" }
  | { state: "unreadable"; path: string }
  /** The lock names a process that is gone (killed): the next daemon takes it over. */
  | { state: "stale"; lock: LockInfo }
  /** The holder runs on another host (a shared data directory): it cannot be checked from here. */
  | { state: "elsewhere"; lock: LockInfo }
  | { state: "running"; lock: LockInfo };

/** Whether process `pid` exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function lockState(dataDir: string): LockState {
  const path = lockPath(dataDir);
  const lock = readLock(path);
  if (lock === "missing") return { state: "none" };
  if (lock === "unreadable") return { state: "unreadable", path };
  if (lock.host && lock.host !== hostname()) return { state: "elsewhere", lock };
  return processAlive(lock.pid) ? { state: "running", lock } : { state: "stale", lock };
}
