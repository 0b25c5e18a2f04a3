/**
 * `roster tokens create --expires <when>`: a duration from now (`90m`,
 * `12h`, `30d`, `8w`) or an ISO 8601 time; the ISO time the daemon gets.
 * Pure: the clock is a parameter.
 */
import { CliError, EXIT } from "./exit-codes.ts";

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export function parseExpiry(raw: string, now: number): string {
  const duration = /^(\d{1,6})([mhdw])$/.exec(raw.trim());
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2]!]!;
    if (ms > 0) return new Date(now + ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(raw.trim())) {
    const t = Date.parse(raw.trim());
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw new CliError(
    `--expires: "${raw}" is neither a duration (90m, 12h, 30d, 8w) nor a time (2030-01-31T00:00:00Z).`,
    EXIT.usage,
  );
}
