/**
 * `roster daemon …`: run the daemon (in the foreground, or in the background
 * with --detach) and manage the one on a data directory: status, stop, logs.
 */
import { Option, type Command } from "commander";
import { act, lazyAct, parseCount, parsePort, parseSeconds } from "./command-kit.ts";

const DATA_DIR_HELP =
  "the daemon's data directory (default $ROSTER_DATA_DIR or $XDG_DATA_HOME/roster)";

export function addDaemonCommand(program: Command): void {
  const daemon = program
    .command("daemon")
    .description(
      "run the Roster daemon (HTTP + WebSocket API) until Ctrl-C, or in the background with --detach",
    )
    .option("--detach", "start it in the background (log in <data dir>/daemon.log) and return")
    .addOption(
      new Option(
        "--port <port>",
        "port to listen on (default $ROSTER_PORT or 8086; 0 = any)",
      ).argParser(parsePort),
    )
    .option("--host <host>", "interface to bind (default 127.0.0.1)")
    .addOption(new Option("--data-dir <dir>", "data directory (embedded PostgreSQL, mail, lock)"))
    .addOption(
      new Option(
        "--database-url <url>",
        "use a PostgreSQL server instead of the embedded database",
      ),
    )
    .addOption(
      new Option(
        "--database-url-file <file>",
        "read the PostgreSQL URL from this file (a password in a flag shows in ps)",
      ),
    )
    .addOption(new Option("--public-url <url>", "base URL used in activation links"))
    .addOption(
      new Option("--smtp-url <url>", "send mail through this SMTP server (default: .eml files)"),
    )
    .addOption(new Option("--smtp-url-file <file>", "read the SMTP URL from this file"))
    .addOption(
      new Option(
        "--show-invite-links",
        "answer invite creates and resends with the activation link also with SMTP (always with .eml files)",
      ),
    )
    .addOption(
      new Option(
        "--resend-interval <seconds>",
        "minimum seconds between two sends of an invitation",
      ).argParser(parseSeconds),
    )
    .addOption(
      new Option(
        "--allowed-hosts <list>",
        "more Host names to answer to, comma-separated (.example.com: a domain; *: any)",
      ),
    )
    .addOption(
      new Option(
        "--change-retention <n>",
        "change-log entries (audit trail) kept per org (default 0: all)",
      ).argParser(parseCount),
    )
    .addOption(
      new Option(
        "--retention-days <n>",
        "days sent invitation mail and used links' hashes are kept (default 30)",
      ).argParser(parseCount),
    )
    .addOption(
      new Option(
        "--orgs-per-user-per-day <n>",
        "abuse limit: orgs one user may create in 24 hours (default 20; 0: no limit)",
      ).argParser(parseCount),
    )
    .addOption(
      new Option(
        "--emails-per-org-per-hour <n>",
        "abuse limit: invitation emails one org may send in an hour (default 200; 0: no limit)",
      ).argParser(parseCount),
    )
    .addOption(
      new Option(
        "--emails-per-address-per-day <n>",
        "abuse limit: invitation emails one address may receive in 24 hours (default 10; 0: no limit)",
      ).argParser(parseCount),
    )
    .addOption(
      new Option("--log-level <level>", "log level").choices([
        "fatal",
        "error",
        "warn",
        "info",
        "debug",
        "trace",
        "silent",
      ]),
    )
    .addHelpText(
      "after",
      "\nEnvironment: ROSTER_PORT, ROSTER_HOST, ROSTER_DATA_DIR, ROSTER_DATABASE_URL(_FILE), ROSTER_PUBLIC_URL,\n" +
        "ROSTER_SMTP_URL(_FILE), ROSTER_RESEND_INTERVAL, ROSTER_ALLOWED_HOSTS, ROSTER_CHANGE_RETENTION,\n" +
        "ROSTER_RETENTION_DAYS, ROSTER_ORGS_PER_USER_PER_DAY, ROSTER_EMAILS_PER_ORG_PER_HOUR, ROSTER_EMAILS_PER_ADDRESS_PER_DAY,\n" +
        "ROSTER_LOG_LEVEL (flags win).",
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      if (opts.detach === true) {
        const { runDaemonDetach } = await import("./commands/daemon-detach.ts");
        return runDaemonDetach(opts);
      }
      const { runDaemonCommand } = await import("./commands/daemon.ts");
      process.exitCode = await runDaemonCommand(opts);
    });

  daemon
    .command("status")
    .description("is a daemon running on the data directory: pid, URL, uptime, storage, version")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExit codes: 0 running and healthy, 1 running but unhealthy, 3 not running.",
    )
    .action(
      act(async (opts: import("./commands/daemon-status.ts").DaemonStatusOptions) => {
        const { runDaemonStatus } = await import("./commands/daemon-status.ts");
        process.exitCode = await runDaemonStatus(opts);
      }),
    );

  daemon
    .command("stop")
    .description("stop the daemon on the data directory cleanly and wait until it is gone")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .addOption(
      new Option("--timeout <seconds>", "how long to wait for it")
        .default("30")
        .argParser(parseSeconds),
    )
    .option("--json", "print JSON")
    .action(lazyAct(async () => (await import("./commands/daemon-stop.ts")).runDaemonStop));

  daemon
    .command("logs")
    .description("print the background daemon's log (<data dir>/daemon.log)")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option("-f, --follow", "keep printing lines as they are written (Ctrl-C stops)")
    .addOption(new Option("-n, --lines <n>", "only the last n lines").argParser(parseCount))
    .action(lazyAct(async () => (await import("./commands/daemon-logs.ts")).runDaemonLogs));
}
