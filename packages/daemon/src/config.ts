/**
 * Daemon settings from flags and the environment (SPEC §6). Flags win over
 * environment variables, which win over defaults.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ABUSE_LIMITS, type AbuseLimits } from "@roster/core";
import type { LevelWithSilent } from "pino";
import { hostnameOf, parseAllowedHosts } from "./http/middleware/host-allowlist.ts";
import { DEFAULT_RETENTION_DAYS } from "./pruning.ts";
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
  --database-url-file <file>  the same, read from a file (env ROSTER_DATABASE_URL_FILE): a password
                         in it does not show in \`ps\` as a flag's would
  --public-url <url>     base URL of activation links   (env ROSTER_PUBLIC_URL, default the daemon's URL)
  --allowed-hosts <list> more Host names to answer to, comma-separated (env ROSTER_ALLOWED_HOSTS);
                         ".example.com" (or "*.example.com") allows a domain and its subdomains,
                         "*" any name. Always answered: localhost, IP addresses, --host and the
                         public URL's host.
                         Other Hosts get 403 (DNS-rebinding protection), except when bound to
                         0.0.0.0 or :: with no public URL and no list: then any Host is answered.
  --smtp-url <url>       send mail via SMTP             (env ROSTER_SMTP_URL, default: .eml files in the data dir)
  --smtp-url-file <file> the same, read from a file     (env ROSTER_SMTP_URL_FILE)
  --show-invite-links    answer invite creates and resends with the activation link, also with SMTP
                         (env ROSTER_SHOW_INVITE_LINKS=1; always on with the file transport)
  --resend-interval <s>  seconds between two sends of one invitation (env ROSTER_RESEND_INTERVAL, default 60, 0 = off)
  --change-retention <n> change-log entries kept per org (env ROSTER_CHANGE_RETENTION, default 0 = all).
                         The change log is the audit trail (who did what, when): keep it unless
                         it grows too large; live clients further behind get a snapshot.
  --retention-days <n>   days sent invitation mail (outbox rows, .eml files) and the hashes of
                         used or replaced links are kept (env ROSTER_RETENTION_DAYS, default ${DEFAULT_RETENTION_DAYS})
  Abuse limits (R14; over one: 429 rate_limited with Retry-After; 0 turns one off):
  --orgs-per-user-per-day <n>      orgs one user may create in 24 hours
                                   (env ROSTER_ORGS_PER_USER_PER_DAY, default ${DEFAULT_ABUSE_LIMITS.orgsPerUserPerDay})
  --emails-per-org-per-hour <n>    invitation emails (invites + resends) one org may send in an hour
                                   (env ROSTER_EMAILS_PER_ORG_PER_HOUR, default ${DEFAULT_ABUSE_LIMITS.emailsPerOrgPerHour})
  --emails-per-address-per-day <n> invitation emails one address may receive in 24 hours, all orgs
                                   (env ROSTER_EMAILS_PER_ADDRESS_PER_DAY, default ${DEFAULT_ABUSE_LIMITS.emailsPerAddressPerDay})
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

/**
 * A URL that may hold a password: from `--<name>`, or read from the file of
 * `--<name>-file`; else from ROSTER_<NAME>, or the file of ROSTER_<NAME>_FILE.
 * A flag's value shows in `ps` to every user of the machine; the environment
 * and a file (mode 0600) do not. The file holds the URL alone (surrounding
 * whitespace and a final newline are ignored).
 */
function secretOption(
  name: "database-url" | "smtp-url",
  flag: string | undefined,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const envName = `ROSTER_${name.toUpperCase().replace("-", "_")}`;
  if (flag !== undefined && file !== undefined) {
    throw new UsageError(`give --${name} or --${name}-file, not both.`);
  }
  if (flag !== undefined) return flag;
  if (file !== undefined) return readSecretFile(`--${name}-file`, file);
  if (env[envName]) return env[envName];
  const envFile = env[`${envName}_FILE`];
  return envFile ? readSecretFile(`${envName}_FILE`, envFile) : undefined;
}

function readSecretFile(what: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(
      `${what}: cannot read "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }
  const value = text.trim();
  if (value === "") throw new UsageError(`${what}: "${path}" is empty.`);
  return value;
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

const ABUSE_FLAGS = {
  orgsPerUserPerDay: ["orgs-per-user-per-day", "ROSTER_ORGS_PER_USER_PER_DAY"],
  emailsPerOrgPerHour: ["emails-per-org-per-hour", "ROSTER_EMAILS_PER_ORG_PER_HOUR"],
  emailsPerAddressPerDay: ["emails-per-address-per-day", "ROSTER_EMAILS_PER_ADDRESS_PER_DAY"],
} as const;

/** R14's limits given by flag or environment (the others keep their defaults). */
function abuseOptions(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): Partial<AbuseLimits> {
  const out: Partial<AbuseLimits> = {};
  for (const [key, [flag, name]] of Object.entries(ABUSE_FLAGS)) {
    const raw = values[flag];
    const n = intOption(`--${flag}`, typeof raw === "string" ? raw : env[name], 0, 1_000_000_000);
    if (n !== undefined) out[key as keyof AbuseLimits] = n;
  }
  return out;
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
        "database-url-file": { type: "string" },
        "public-url": { type: "string" },
        "allowed-hosts": { type: "string" },
        "smtp-url": { type: "string" },
        "smtp-url-file": { type: "string" },
        "show-invite-links": { type: "boolean" },
        "resend-interval": { type: "string" },
        "change-retention": { type: "string" },
        "retention-days": { type: "string" },
        "orgs-per-user-per-day": { type: "string" },
        "emails-per-org-per-hour": { type: "string" },
        "emails-per-address-per-day": { type: "string" },
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
    databaseUrl: urlOption(
      "--database-url",
      secretOption("database-url", values["database-url"], values["database-url-file"], env),
      ["postgres:", "postgresql:"],
    ),
    publicUrl: urlOption("--public-url", values["public-url"] ?? env.ROSTER_PUBLIC_URL, [
      "http:",
      "https:",
    ]),
    allowedHosts: allowedHostsOption(values["allowed-hosts"] ?? env.ROSTER_ALLOWED_HOSTS),
    smtpUrl: urlOption(
      "--smtp-url",
      secretOption("smtp-url", values["smtp-url"], values["smtp-url-file"], env),
      ["smtp:", "smtps:"],
    ),
    ...(values["show-invite-links"] || /^(1|true|yes)$/i.test(env.ROSTER_SHOW_INVITE_LINKS ?? "")
      ? { showInviteLinks: true }
      : {}),
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
    retentionDays: intOption(
      "--retention-days",
      values["retention-days"] ?? env.ROSTER_RETENTION_DAYS,
      1,
      36_500,
    ),
    abuse: abuseOptions(values, env),
    logLevel: logLevel as LevelWithSilent,
  };
  // Link lifetime (default 72 h): not a product setting, a way for tests to
  // compress time (e.g. a mail outage that outlasts the link).
  const inviteTtlMs = intOption("ROSTER_INVITE_TTL_MS", env.ROSTER_INVITE_TTL_MS, 1_000, 2 ** 40);
  if (inviteTtlMs !== undefined) options.limits = { inviteTtlMs };
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
