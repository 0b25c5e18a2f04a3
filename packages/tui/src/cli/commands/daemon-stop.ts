/**
 * `roster daemon stop`: a clean shutdown of the daemon on the data directory.
 * Sends SIGTERM to the pid in its lock (the daemon then closes its database
 * and releases the lock, as on Ctrl-C) and waits until that process is gone
 * and the lock is no longer its own, or the timeout passes.
 */
import { daemonDataDir, lockState, looksLikeRoster, processAlive } from "../../daemon-lock.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { print, printJson } from "../report.ts";

export interface DaemonStopOptions {
  dataDir?: string;
  /** Seconds to wait for the daemon to finish (default 30). */
  timeout?: string;
  json?: boolean;
}

export const DEFAULT_STOP_TIMEOUT_S = 30;

/** Gone: the process has exited and the lock no longer names it. */
function released(dataDir: string, pid: number): boolean {
  if (processAlive(pid)) return false;
  const s = lockState(dataDir);
  return !(s.state === "running" && s.lock.pid === pid);
}

export async function runDaemonStop(opts: DaemonStopOptions): Promise<void> {
  const dataDir = daemonDataDir(opts.dataDir);
  const timeoutS = opts.timeout === undefined ? DEFAULT_STOP_TIMEOUT_S : Number(opts.timeout);
  const s = lockState(dataDir);
  const report = (stopped: boolean, pid: number | undefined, text: string) =>
    opts.json ? printJson({ stopped, pid, dataDir }) : print(text);
  if (s.state === "none" || s.state === "stale") {
    report(false, undefined, `No Roster daemon is running on ${dataDir}.`);
    return;
  }
  if (s.state === "unreadable")
    throw new CliError(
      `The lock file ${s.path} cannot be read: is a daemon starting?`,
      EXIT.refused,
    );
  const { lock } = s;
  if (s.state === "elsewhere")
    throw new CliError(
      `The daemon on ${dataDir} runs on host ${lock.host} (pid ${lock.pid}): stop it there.`,
      EXIT.refused,
    );
  if (!looksLikeRoster(lock.pid))
    throw new CliError(
      `The lock on ${dataDir} names pid ${lock.pid}, which is not a Roster daemon: not signalling it.`,
      EXIT.refused,
    );
  try {
    process.kill(lock.pid, "SIGTERM");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EPERM")
      throw new CliError(
        `Not allowed to stop pid ${lock.pid} (the daemon on ${dataDir} runs as another user).`,
        EXIT.refused,
      );
    // ESRCH: it has just exited by itself.
  }
  const deadline = Date.now() + timeoutS * 1000;
  while (!released(dataDir, lock.pid)) {
    if (Date.now() > deadline)
      throw new CliError(
        `The daemon (pid ${lock.pid}) did not stop within ${timeoutS} s; it may still be closing its database. ` +
          `Wait, or \`kill -9 ${lock.pid}\` to stop it at once (acknowledged changes survive).`,
        EXIT.refused,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  const where = lock.url ? ` at ${lock.url}` : "";
  report(true, lock.pid, `Stopped the Roster daemon (pid ${lock.pid})${where}.`);
}
