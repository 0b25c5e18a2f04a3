/**
 * `roster daemon` / `tsx packages/daemon/src/main.ts`: run the daemon until
 * SIGINT or SIGTERM, then close the database cleanly.
 * Exit codes: 0 clean stop, 1 could not start (e.g. the data directory is
 * locked by another daemon: the message names it), 2 usage error.
 */
import { pathToFileURL } from "node:url";
import { DAEMON_USAGE, parseDaemonArgs, UsageError } from "./config.ts";
import { createPrettyLogger, logFormat } from "./logger.ts";
import { startDaemon } from "./server.ts";
import { DataDirLockedError } from "./storage/data-dir-lock.ts";

export async function runDaemonCli(
  argv: readonly string[] = process.argv.slice(2),
): Promise<number> {
  let parsed;
  try {
    parsed = parseDaemonArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`roster daemon: ${e.message}\n\n${DAEMON_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(DAEMON_USAGE);
    return 0;
  }
  let daemon;
  let requestStop: ((reason: string) => void) | undefined;
  let stopAskedEarly: string | undefined;
  try {
    const pretty = logFormat(process.env, process.stdout.isTTY === true) === "pretty";
    const logger = pretty
      ? createPrettyLogger(parsed.options.logLevel ?? "info", {
          colorize: process.stdout.isTTY === true && !process.env.NO_COLOR,
        })
      : undefined;
    const options = {
      ...parsed.options,
      ...(logger ? { logger } : {}),
      // `roster daemon stop` (over the admin socket): the same clean stop as SIGTERM.
      onStopRequest: (reason: string) => {
        if (requestStop) requestStop(reason);
        else stopAskedEarly = reason;
      },
    };
    daemon = await startDaemon(options);
  } catch (e) {
    const message =
      e instanceof DataDirLockedError
        ? e.message
        : (e as NodeJS.ErrnoException).code === "EADDRINUSE"
          ? `port ${parsed.options.port} on ${parsed.options.host} is already in use (another daemon?). Use --port.`
          : `could not start: ${(e as Error).message}`;
    process.stderr.write(`roster daemon: ${message}\n`);
    return 1;
  }
  const running = daemon;
  const onUnhandled = (err: unknown) => running.logger.error({ err }, "unhandled rejection");
  process.on("unhandledRejection", onUnhandled);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const shutdown = (fields: object) => {
      stopping = true;
      running.logger.info(fields, "stopping");
      void running.close().then(
        () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          process.off("unhandledRejection", onUnhandled);
          resolveExit(0);
        },
        (err: unknown) => {
          running.logger.error({ err }, "error while stopping");
          resolveExit(1);
        },
      );
    };
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        running.logger.warn({ signal }, "second signal: exiting now");
        process.exit(1);
      }
      shutdown({ signal });
    };
    requestStop = (reason) => {
      if (!stopping) shutdown({ reason });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (stopAskedEarly !== undefined) requestStop(stopAskedEarly);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runDaemonCli().then((code) => {
    process.exitCode = code;
  });
}
