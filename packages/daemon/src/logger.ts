/**
 * The daemon's structured log (pino, JSON lines on stdout). Secrets never go
 * in: request logs carry no headers or bodies, and these paths are redacted
 * in case one slips into a log call.
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

/** JSON lines to `destination` (default stdout). */
export function createLogger(
  level: LevelWithSilent = "info",
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { name: "roster-daemon" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
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
