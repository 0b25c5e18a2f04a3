/**
 * The `outbox` table: the emails invite create / resend queue in their own
 * transaction (org-store.ts), drained by the mail worker. A row is queued or
 * failed (with a next attempt) until it is sent, given up (failed, its token
 * nulled) or cancelled (its invitation closed or resent). See
 * service/outbox-queue.ts for how rows are claimed and marked.
 */
import type { Sql } from "./storage.ts";

/** The oldest due row, with what its email needs. */
export interface DueRow {
  id: string;
  orgID: string;
  inviteID: string;
  sendNumber: number;
  to: string;
  token: string;
  attempts: number;
  inviteStatus: string;
  /** The invitation's current send (a row of an older send is stale). */
  currentSend: number;
  expiresAt: string;
  /** The link expired before it could be sent (by the database's clock). */
  expired: boolean;
  orgName: string;
  inviterName: string;
  inviterEmail: string;
}

interface DueRowRaw {
  id: string | number | bigint;
  org_id: string;
  invite_id: string;
  send_number: number;
  to_email: string;
  link_token: string;
  attempts: number;
  invite_status: string;
  send_count: number;
  expires_at: Date | string;
  invite_expired: boolean;
  org_name: string | null;
  inviter_name: string | null;
  inviter_email: string | null;
}

/**
 * Lock the oldest due rows, at most `limit` (`FOR UPDATE SKIP LOCKED`: several
 * daemons on one PostgreSQL never take the same row).
 */
export async function lockDueRows(tx: Sql, limit: number): Promise<DueRow[]> {
  const { rows } = await tx.query<DueRowRaw>(
    `select o.id, o.org_id, o.invite_id, o.send_number, o.to_email, o.link_token, o.attempts,
            i.status as invite_status, i.send_count, i.expires_at,
            (i.expires_at <= now()) as invite_expired,
            g.name as org_name, u.name as inviter_name, u.email as inviter_email
       from outbox o
       join invites i on i.id = o.invite_id
       left join orgs g on g.id = o.org_id
       left join users u on u.id = i.invited_by
      where o.state in ('queued', 'failed')
        and o.link_token is not null
        and o.next_attempt_at <= now()
      order by o.next_attempt_at, o.id
      limit $1
      for update of o skip locked`,
    [limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    orgID: r.org_id,
    inviteID: r.invite_id,
    sendNumber: Number(r.send_number),
    to: r.to_email,
    token: r.link_token,
    attempts: Number(r.attempts),
    inviteStatus: r.invite_status,
    currentSend: Number(r.send_count),
    expiresAt: new Date(r.expires_at).toISOString(),
    expired: r.invite_expired,
    orgName: r.org_name ?? r.org_id,
    inviterName: r.inviter_name ?? "",
    inviterEmail: r.inviter_email ?? "",
  }));
}

/** Drop a row whose email must not go out (its token nulled). */
export async function cancelRow(tx: Sql, id: string): Promise<void> {
  await tx.query("update outbox set state = 'cancelled', link_token = null where id = $1", [id]);
}

/**
 * Count one more attempt on each row and keep everyone off them for `leaseMs`
 * (marked leased until the attempt is recorded): one statement for a batch.
 * Each row's attempt number, by id.
 */
export async function leaseRows(
  tx: Sql,
  ids: readonly string[],
  leaseMs: number,
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<{ id: string | number; attempts: number }>(
    `update outbox
        set attempts = attempts + 1,
            leased = true,
            next_attempt_at = now() + ($2::int * interval '1 millisecond')
      where id in (select unnest($1::text[])::bigint)
    returning id, attempts`,
    [ids, leaseMs],
  );
  return new Map(rows.map((r) => [String(r.id), Number(r.attempts)]));
}

/**
 * Make every unsent leased row due now (a dead process's claim); rows waiting
 * for a retry keep their time. How many.
 */
export async function makeLeasedDue(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ id: unknown }>(
    `update outbox set next_attempt_at = now(), leased = false
      where leased and state in ('queued', 'failed') and link_token is not null
    returning id`,
  );
  return rows.length;
}

/** Which claim of a row a mark is for: its id and the attempt that claim counted. */
export interface ClaimFence {
  id: string;
  attempts: number;
}

/**
 * Lock the row if it is still as `fence`'s claim left it (same attempt,
 * unsent, token there); the database's clock with it. Undefined when it was
 * cancelled or claimed again since.
 */
export async function lockClaimedRow(tx: Sql, fence: ClaimFence): Promise<Date | undefined> {
  const { rows } = await tx.query<{ now: Date | string }>(
    `select now() as now from outbox
      where id = $1 and attempts = $2 and state in ('queued', 'failed') and link_token is not null
      for update`,
    [fence.id, fence.attempts],
  );
  return rows[0] && new Date(rows[0].now);
}

/** The end of one attempt: sent, failed with a next attempt, or failed for good. */
export type RowOutcome =
  { state: "sent" } | { state: "failed"; lastError: string; nextAttemptAt?: string | undefined };

/** Record how a claimed row's attempt ended (the raw token is dropped once it is of no more use). */
export async function markRow(tx: Sql, id: string, outcome: RowOutcome): Promise<void> {
  if (outcome.state === "sent") {
    await tx.query(
      `update outbox set state = 'sent', sent_at = now(), link_token = null, last_error = null,
                         leased = false
        where id = $1`,
      [id],
    );
  } else if (outcome.nextAttemptAt !== undefined) {
    await tx.query(
      "update outbox set state = 'failed', last_error = $2, next_attempt_at = $3, leased = false where id = $1",
      [id, outcome.lastError, outcome.nextAttemptAt],
    );
  } else {
    await tx.query(
      "update outbox set state = 'failed', last_error = $2, link_token = null, leased = false where id = $1",
      [id, outcome.lastError],
    );
  }
}
