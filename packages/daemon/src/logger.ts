/**
 * The daemon's structured log (pino, JSON lines on stdout). Secrets never go
 * in: request logs carry no headers or bodies, and these paths are redacted
 * in case one slips into a log call.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";

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
