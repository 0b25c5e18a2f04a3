/**
 * The events the abuse limits (R14) count: one row per org created and per
 * invitation email queued, by counter and subject, written in the
 * transaction of the effect. Rows older than the longest window are pruned.
 */
import type { AbuseCounter } from "@roster/core";
import type { Sql } from "./storage.ts";

/** Advisory lock namespace of counters (with the counter's and subject's hash as the second key). */
const COUNTER_LOCK_KEY = 727_004;

/**
 * Hold the lock of one counter and subject until the transaction ends, so
 * that two racing requests (an address invited by two orgs at once) count
 * one after the other.
 */
export async function lockCounter(tx: Sql, counter: AbuseCounter, subject: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock($1, hashtext($2))", [
    COUNTER_LOCK_KEY,
    `${counter}:${subject}`,
  ]);
}

/** The times (ms) of the newest `limit` events of a counter and subject after `since`, newest first. */
export async function newestEvents(
  sql: Sql,
  counter: AbuseCounter,
  subject: string,
  since: number,
  limit: number,
): Promise<number[]> {
  const r = await sql.query<{ at: string | Date }>(
    `select at from abuse_events where counter = $1 and subject = $2 and at > $3
     order by at desc limit $4`,
    [counter, subject, new Date(since).toISOString(), limit],
  );
  return r.rows.map((row) => new Date(row.at).getTime());
}

export async function recordEvent(
  tx: Sql,
  counter: AbuseCounter,
  subject: string,
  at: number,
): Promise<void> {
  await tx.query("insert into abuse_events (counter, subject, at) values ($1, $2, $3)", [
    counter,
    subject,
    new Date(at).toISOString(),
  ]);
}

/** Forget events at or before `before` (ms): older than any window. */
export async function pruneEvents(sql: Sql, before: number): Promise<number> {
  const r = await sql.query<{ n: number }>(
    "with d as (delete from abuse_events where at <= $1 returning 1) select count(*)::int as n from d",
    [new Date(before).toISOString()],
  );
  return Number(r.rows[0]?.n ?? 0);
}
