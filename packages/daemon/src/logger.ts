/**
 * The daemon's structured log (pino, JSON lines on stdout). Secrets never go
 * in: request logs carry no headers or bodies, these paths are redacted in
 * case one slips into a log call, and a logged error (`err`) goes without
 * the parameters and values of a failed database statement.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { PinoPretty } from "pino-pretty";

export type { Logger };

export const REDACT_PATHS = [
  "authorization",
  "token",
  "*.authorization",
  "*.token",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "databaseUrl",
];

/**
 * Fields of a database error that carry the values of the failed statement:
 * its parameters (an outbox insert holds a raw activation token), the
 * driver's query options, and Postgres's `detail` ("Failing row contains
 * (…)", "Key (…)=(…)"). They are dropped; the SQL text, the SQLSTATE and the
 * message stay.
 */
const VALUE_FIELDS = new Set(["params", "parameters", "queryOptions", "detail"]);
/** Roster's secrets all carry a prefix (service/secrets.ts): whatever else slips in is masked. */
const SECRET = /\broster_(inv|tok)_[A-Za-z0-9_-]+/g;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(SECRET, "roster_$1_[redacted]");
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (VALUE_FIELDS.has(k)) continue;
    // Postgres's context may quote a parameter: "unnamed portal parameter $2 = '…'".
    out[k] =
      k === "where" && typeof v === "string" ? v.replace(/ = '.*$/s, " = …") : scrub(v, depth + 1);
  }
  return out;
}

/** Errors as pino serialises them, minus the values of a failed statement (see VALUE_FIELDS). */
export function serializeError(err: unknown): unknown {
  return scrub(err instanceof Error ? pino.stdSerializers.err(err) : err);
}

/** JSON lines to `destination` (default stdout). */
export function createLogger(
  level: LevelWithSilent = "info",
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { name: "roster-daemon" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type LogFormat = "json" | "pretty";

/**
 * The log format for `roster daemon`: `ROSTER_LOG_FORMAT` when set, else
 * readable lines on a terminal and JSON lines everywhere else (pipes, files,
 * log collectors, the TUI's background daemon).
 */
export function logFormat(env: NodeJS.ProcessEnv, isTTY: boolean): LogFormat {
  const f = env.ROSTER_LOG_FORMAT;
  if (f === "json" || f === "pretty") return f;
  return isTTY ? "pretty" : "json";
}

/** Human-readable lines (time, level, message, fields) with the same redaction. */
export function createPrettyLogger(
  level: LevelWithSilent = "info",
  opts: { colorize: boolean; destination?: NodeJS.WritableStream },
): Logger {
  const stream = PinoPretty({
    colorize: opts.colorize,
    translateTime: "SYS:HH:MM:ss",
    ignore: "pid,hostname,name",
    singleLine: true,
    sync: true,
    ...(opts.destination ? { destination: opts.destination } : {}),
  });
  return createLogger(level, stream);
}

/** A database URL fit for a log line: without its password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
