/**
 * The steps every mutation of an org shares: lock the org row, load just the
 * part of its state the rule needs, and commit the change (version + 1, one
 * change-log entry, NOTIFY) — all inside the caller's transaction.
 */
import {
  errors,
  type Actor,
  type Change,
  type ChangeEntry,
  type Invite,
  type Member,
} from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { fail } from "./domain-failure.ts";
import {
  INVITE_COLUMNS,
  MEMBER_COLUMNS,
  toInvite,
  toMember,
  type InviteRow,
  type MemberRow,
  type OrgRow,
} from "./rows.ts";

/** NOTIFY channel of committed changes; payload `{"orgID":..., "version":...}`. */
export const CHANGES_CHANNEL = "roster_changes";

/** `select ... for update` on the org: writers of one org are serialized (SPEC §3). */
export async function lockOrg(tx: Sql, orgID: string): Promise<OrgRow> {
  const r = await tx.query<OrgRow>(
    "select id, name, created_at, version from orgs where id = $1 for update",
    [orgID],
  );
  return r.rows[0] ?? fail(errors.orgNotFound());
}

/** Members of the org among the given user ids and emails. */
export async function loadMembers(
  tx: Sql,
  orgID: string,
  which: { userIDs?: readonly string[]; emails?: readonly string[] },
): Promise<Member[]> {
  const r = await tx.query<MemberRow>(
    `select ${MEMBER_COLUMNS} from memberships m join users u on u.id = m.user_id
     where m.org_id = $1 and (m.user_id = any($2::text[]) or u.email = any($3::text[]))`,
    [orgID, [...(which.userIDs ?? [])], [...(which.emails ?? [])]],
  );
  return r.rows.map(toMember);
}

/**
 * The org's pending, unexpired invitations (all that R5/R6 count), plus the
 * named ones whatever their status.
 */
export async function loadInvites(
  tx: Sql,
  orgID: string,
  now: number,
  named: readonly string[] = [],
): Promise<{ invites: Invite[]; rows: InviteRow[] }> {
  const r = await tx.query<InviteRow>(
    `select ${INVITE_COLUMNS} from invites
     where org_id = $1 and ((status = 'pending' and expires_at > $2) or id = any($3::text[]))`,
    [orgID, new Date(now).toISOString(), [...named]],
  );
  return { invites: r.rows.map(toInvite), rows: r.rows };
}

/**
 * Append the change: bump the org's version by exactly one, insert the
 * change-log row and notify listeners (delivered on commit) — one statement.
 */
export async function commitChange(
  tx: Sql,
  orgID: string,
  actor: Actor,
  change: Change,
  at: string,
): Promise<ChangeEntry> {
  const r = await tx.query<{ version: number | string }>(
    `with v as (update orgs set version = version + 1 where id = $1 returning version),
          c as (insert into changes (org_id, version, at, actor_id, actor_email, change)
                select $1, v.version, $2, $3, $4, $5::jsonb from v returning version)
     select version, pg_notify('${CHANGES_CHANNEL}', json_build_object('orgID', $1::text, 'version', version)::text)
     from c`,
    [orgID, at, actor?.userID ?? null, actor?.email ?? null, JSON.stringify(change)],
  );
  const row = r.rows[0];
  if (!row) fail(errors.orgNotFound());
  return { version: Number(row.version), at, actor, change };
}

/** Cancel the not-yet-sent emails of an invitation (its link no longer works). */
export async function cancelOutbox(tx: Sql, inviteID: string): Promise<void> {
  await tx.query(
    `update outbox set state = 'cancelled', link_token = null
     where invite_id = $1 and state in ('queued', 'failed')`,
    [inviteID],
  );
}
