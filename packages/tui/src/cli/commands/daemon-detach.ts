/**
 * `roster daemon --detach`: start a daemon in the background, as the TUI does
 * (same launcher), print where it answers and return once it is healthy.
 * A daemon already running on the data directory is left as it is.
 */
import { DEFAULT_HOST, DEFAULT_PORT } from "../../config.ts";
import { daemonDataDir } from "../../daemon-lock.ts";
import { daemonStatus } from "./daemon-status.ts";
import { DaemonStartError, startDaemon } from "../../tui/daemon-launcher.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { print } from "../report.ts";
import { daemonArgs } from "./daemon.ts";

export interface DetachOptions extends Record<string, unknown> {
  port?: string;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  smtpUrl?: string;
}

function urlFor(host: string, port: string): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export async function runDaemonDetach(opts: DetachOptions): Promise<void> {
  const dataDir = daemonDataDir(opts.dataDir);
  // Asked of the lock's holder itself (never a pid, which may have been reused).
  const running = await daemonStatus({ dataDir });
  if (running.running) {
    const pid = running.pid === undefined ? "" : `: pid ${running.pid}`;
    const where = running.url ? ` at ${running.url}` : "";
    print(`A Roster daemon is already running on ${dataDir}${pid}${where}.`);
    return;
  }
  const port = opts.port ?? process.env.ROSTER_PORT ?? String(DEFAULT_PORT);
  const host = opts.host ?? process.env.ROSTER_HOST ?? DEFAULT_HOST;
  try {
    const started = await startDaemon({
      url: urlFor(host, port),
      dataDir,
      // URLs that may hold a password reach the background daemon through its
      // environment, not its command line (which every user sees in `ps`).
      args: daemonArgs(opts, ["port", "host", "dataDir", "databaseUrl", "smtpUrl"]),
      env: {
        ...process.env,
        ...(opts.databaseUrl ? { ROSTER_DATABASE_URL: opts.databaseUrl } : {}),
        ...(opts.smtpUrl ? { ROSTER_SMTP_URL: opts.smtpUrl } : {}),
      },
    });
    const pid = started.pid === undefined ? "" : ` (pid ${started.pid})`;
    // On a PostgreSQL server the daemon locks no data directory: status and stop cannot find it.
    const onServer = (opts.databaseUrl ?? process.env.ROSTER_DATABASE_URL ?? "") !== "";
    print(
      `Started the Roster daemon${pid} at ${started.url}.\n` +
        `Data: ${dataDir}\nLog:  ${started.logPath} (roster daemon logs -f)\n` +
        (onServer
          ? `It uses a PostgreSQL server and so holds no lock on its data directory: \`roster daemon status|stop\` do not see it; \`kill ${started.pid ?? "<pid>"}\` stops it cleanly.`
          : "Stop it with `roster daemon stop`."),
    );
  } catch (e) {
    if (e instanceof DaemonStartError)
      throw new CliError(`${e.message}\nLog: ${e.logPath}`, EXIT.refused);
    throw e;
  }
}
