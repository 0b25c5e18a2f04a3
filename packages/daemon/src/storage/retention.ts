/**
 * What is kept only for a while (the retention, `--retention-days`): outbox
 * rows that are done with (sent, cancelled, failed for good: their raw link
 * is already gone) and the hashes of links that can no longer be used
 * (superseded by a resend, or of an invitation accepted, withdrawn or
 * expired). A queued or retryable email and a usable link are never pruned.
 * After pruning, an old link answers invite_not_found.
 */
import type { Sql } from "./storage.ts";

export interface RetentionPruned {
  outbox: number;
  inviteTokens: number;
}

/** Delete what was created before `cutoff` (ms) and is done with at `now` (ms). */
export async function pruneRetained(
  sql: Sql,
  cutoff: number,
  now: number,
): Promise<RetentionPruned> {
  const before = new Date(cutoff).toISOString();
  const outbox = await sql.query<{ n: number }>(
    `with d as (delete from outbox where created_at < $1 and link_token is null returning 1)
     select count(*)::int as n from d`,
    [before],
  );
  const tokens = await sql.query<{ n: number }>(
    `with d as (
       delete from invite_tokens t using invites i
       where i.id = t.invite_id and t.created_at < $1
         and (t.token_hash <> i.token_hash or i.status <> 'pending' or i.expires_at <= $2)
       returning 1)
     select count(*)::int as n from d`,
    [before, new Date(now).toISOString()],
  );
  return { outbox: Number(outbox.rows[0]?.n ?? 0), inviteTokens: Number(tokens.rows[0]?.n ?? 0) };
}
