/**
 * `roster daemon stop`: a clean shutdown of the daemon on the data directory.
 * Asks the daemon itself over its lock socket (`POST /stop` on the admin
 * channel; it then closes as on SIGTERM: the mail worker, the live sessions,
 * the database, the lock last) and waits until the lock is released. No pid
 * is ever signalled: only the process holding the lock can be reached there,
 * so a reused pid cannot be hit.
 */
import { askLockHolder, liveLockSocket, STOP_ROUTE } from "@roster/daemon/lock";
import { daemonDataDir } from "../../daemon-lock.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { print, printJson } from "../report.ts";

export interface DaemonStopOptions {
  dataDir?: string;
  /** Seconds to wait for the daemon to finish (default 30). */
  timeout?: string;
  json?: boolean;
}

export const DEFAULT_STOP_TIMEOUT_S = 30;

export async function runDaemonStop(opts: DaemonStopOptions): Promise<void> {
  const dataDir = daemonDataDir(opts.dataDir);
  const timeoutS = opts.timeout === undefined ? DEFAULT_STOP_TIMEOUT_S : Number(opts.timeout);
  const report = (stopped: boolean, pid: number | undefined, text: string) =>
    opts.json ? printJson({ stopped, pid, dataDir }) : print(text);

  const answer = await askLockHolder(dataDir, "POST", STOP_ROUTE, 5000);
  if (answer.state === "none") {
    report(false, undefined, `No Roster daemon is running on ${dataDir}.`);
    return;
  }
  if (answer.state === "unreachable")
    throw new CliError(
      `A process holds the lock of ${dataDir} (${answer.socket}) but does not answer there: ${answer.error}.`,
      EXIT.refused,
    );
  if (answer.status !== 202) {
    const why =
      answer.status === 503
        ? "it is still starting; try again in a moment"
        : `its lock socket answered ${answer.status} (an older Roster daemon?)`;
    throw new CliError(`The daemon on ${dataDir} did not stop: ${why}.`, EXIT.refused);
  }
  const { pid, url } = parseStopping(answer.body);
  const who = pid === undefined ? "The daemon" : `The daemon (pid ${pid})`;

  // Released: the socket it answered on is no longer listened on.
  const deadline = Date.now() + timeoutS * 1000;
  while ((await liveLockSocket(dataDir)) === answer.socket) {
    if (Date.now() > deadline)
      throw new CliError(
        `${who} did not stop within ${timeoutS} s; it may still be closing its database. ` +
          (pid === undefined
            ? "Wait and try again."
            : `Wait, or \`kill -9 ${pid}\` to stop it at once (acknowledged changes survive).`),
        EXIT.refused,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  const where = url ? ` at ${url}` : "";
  const name = pid === undefined ? "" : ` (pid ${pid})`;
  report(true, pid, `Stopped the Roster daemon${name}${where}.`);
}

function parseStopping(body: string): { pid?: number; url?: string } {
  try {
    const v = JSON.parse(body) as { pid?: unknown; url?: unknown };
    return {
      ...(typeof v.pid === "number" ? { pid: v.pid } : {}),
      ...(typeof v.url === "string" ? { url: v.url } : {}),
    };
  } catch {
    return {};
  }
}
