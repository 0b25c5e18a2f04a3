/**
 * Daemon settings from flags and the environment (SPEC §6). Flags win over
 * environment variables, which win over defaults.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { LevelWithSilent } from "pino";
import { hostnameOf, parseAllowedHosts } from "./http/middleware/host-allowlist.ts";
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_USER } from "./live/live-hub.ts";
import type { DaemonOptions } from "./server.ts";
import { DEFAULT_PORT } from "./server.ts";

export const DAEMON_USAGE = `Usage: roster daemon [options]

Run the Roster daemon: the HTTP + WebSocket API on 127.0.0.1:${DEFAULT_PORT}.

Options:
  --port <n>             TCP port, 0 for any free one   (env ROSTER_PORT, default ${DEFAULT_PORT})
  --host <addr>          interface to bind              (env ROSTER_HOST, default 127.0.0.1)
  --data-dir <dir>       data directory                 (env ROSTER_DATA_DIR, default $XDG_DATA_HOME/roster)
  --database-url <url>   PostgreSQL server instead of the embedded database (env ROSTER_DATABASE_URL)
  --public-url <url>     base URL of activation links   (env ROSTER_PUBLIC_URL, default the daemon's URL)
  --allowed-hosts <list> more Host names to answer to, comma-separated (env ROSTER_ALLOWED_HOSTS);
                         ".example.com" (or "*.example.com") allows a domain and its subdomains,
                         "*" any name. Always answered: localhost, IP addresses, --host and the
                         public URL's host.
                         Other Hosts get 403 (DNS-rebinding protection), except when bound to
                         0.0.0.0 or :: with no public URL and no list: then any Host is answered.
  --smtp-url <url>       send mail via SMTP             (env ROSTER_SMTP_URL, default: .eml files in the data dir)
  --resend-interval <s>  seconds between two sends of one invitation (env ROSTER_RESEND_INTERVAL, default 60, 0 = off)
  --change-retention <n> change-log entries kept per org (env ROSTER_CHANGE_RETENTION, default 0 = all).
                         The change log is the audit trail (who did what, when): keep it unless
                         it grows too large; live clients further behind get a snapshot.
  --max-live-sessions <n>          live (WebSocket) sessions this daemon serves at most
                         (env ROSTER_MAX_LIVE_SESSIONS, default ${DEFAULT_MAX_SESSIONS})
  --max-live-sessions-per-user <n> live sessions one user may hold at most
                         (env ROSTER_MAX_LIVE_SESSIONS_PER_USER, default ${DEFAULT_MAX_SESSIONS_PER_USER});
                         over a cap, the upgrade is refused with 429 session_limit
  --log-level <level>    fatal|error|warn|info|debug|trace|silent (env ROSTER_LOG_LEVEL, default info)
  -h, --help             show this help
`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ROSTER_DATA_DIR) return env.ROSTER_DATA_DIR;
  const base = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(base, "roster");
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function intOption(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${raw}".`);
  }
  return Number(raw);
}

function urlOption(name: string, raw: string | undefined, protocols: string[]): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Database and SMTP URLs may carry a password: never echo one.
    const shown = raw.includes("@") ? "(value hidden: it may hold credentials)" : `"${raw}"`;
    throw new UsageError(`${name} is not a URL: ${shown}.`);
  }
  if (!protocols.includes(u.protocol)) {
    throw new UsageError(`${name} must be a ${protocols.join(" or ")} URL.`);
  }
  return raw;
}

function allowedHostsOption(raw: string | undefined): string[] | undefined {
  const list = parseAllowedHosts(raw);
  for (const entry of list ?? []) {
    if (entry !== "*" && !hostnameOf(entry.replace(/^\*?\./, ""))) {
      throw new UsageError(`--allowed-hosts: "${entry}" is not a host name.`);
    }
  }
  return list;
}

export type ParsedDaemonArgs = { help: true } | { help: false; options: DaemonOptions };

export function parseDaemonArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedDaemonArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "database-url": { type: "string" },
        "public-url": { type: "string" },
        "allowed-hosts": { type: "string" },
        "smtp-url": { type: "string" },
        "resend-interval": { type: "string" },
        "change-retention": { type: "string" },
        "log-level": { type: "string" },
        "max-live-sessions": { type: "string" },
        "max-live-sessions-per-user": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { help: true };
  const logLevel = values["log-level"] ?? env.ROSTER_LOG_LEVEL ?? "info";
  if (!LEVELS.includes(logLevel))
    throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}.`);
  const options: DaemonOptions = {
    port: intOption("--port", values.port ?? env.ROSTER_PORT, 0, 65535) ?? DEFAULT_PORT,
    host: values.host ?? (env.ROSTER_HOST || "127.0.0.1"),
    dataDir: values["data-dir"] ?? defaultDataDir(env),
    databaseUrl: urlOption("--database-url", values["database-url"] ?? env.ROSTER_DATABASE_URL, [
      "postgres:",
      "postgresql:",
    ]),
    publicUrl: urlOption("--public-url", values["public-url"] ?? env.ROSTER_PUBLIC_URL, [
      "http:",
      "https:",
    ]),
    allowedHosts: allowedHostsOption(values["allowed-hosts"] ?? env.ROSTER_ALLOWED_HOSTS),
    smtpUrl: urlOption("--smtp-url", values["smtp-url"] ?? env.ROSTER_SMTP_URL, [
      "smtp:",
      "smtps:",
    ]),
    resendIntervalS: intOption(
      "--resend-interval",
      values["resend-interval"] ?? env.ROSTER_RESEND_INTERVAL,
      0,
      7 * 24 * 3600,
    ),
    changeRetention: intOption(
      "--change-retention",
      values["change-retention"] ?? env.ROSTER_CHANGE_RETENTION,
      0,
      1_000_000_000,
    ),
    logLevel: logLevel as LevelWithSilent,
  };
  const maxSessions = intOption(
    "--max-live-sessions",
    values["max-live-sessions"] ?? env.ROSTER_MAX_LIVE_SESSIONS,
    1,
    1_000_000,
  );
  const maxSessionsPerUser = intOption(
    "--max-live-sessions-per-user",
    values["max-live-sessions-per-user"] ?? env.ROSTER_MAX_LIVE_SESSIONS_PER_USER,
    1,
    1_000_000,
  );
  if (maxSessions !== undefined || maxSessionsPerUser !== undefined) {
    options.live = {
      ...(maxSessions !== undefined ? { maxSessions } : {}),
      ...(maxSessionsPerUser !== undefined ? { maxSessionsPerUser } : {}),
    };
  }
  return { help: false, options };
}
