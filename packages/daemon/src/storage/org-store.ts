/**
 * What the commands read and write about one org, inside their transaction:
 * the org row (locked, or created), the part of its state a rule needs, and
 * the rows a decided change writes (memberships, invitations with their
 * activation tokens and queued emails).
 */
import type { Delivery, Invite, Member, Org } from "@roster/core";
import {
  INVITE_COLUMNS,
  MEMBER_COLUMNS,
  toInvite,
  toMember,
  type InviteRow,
  type MemberRow,
  type OrgRow,
} from "./rows.ts";
import type { Sql } from "./storage.ts";

/** `select … for update` of the org: the writers of one org are serialized (SPEC §3). */
export async function lockOrg(tx: Sql, orgID: string): Promise<OrgRow | undefined> {
  const r = await tx.query<OrgRow>(
    "select id, name, created_at, version from orgs where id = $1 for update",
    [orgID],
  );
  return r.rows[0];
}

/** A new org at version 0 (nobody else can see it before the commit: as good as locked). */
export async function insertOrg(tx: Sql, org: Org): Promise<OrgRow> {
  await tx.query("insert into orgs (id, name, created_at, version) values ($1, $2, $3, 0)", [
    org.id,
    org.name,
    org.createdAt,
  ]);
  return { id: org.id, name: org.name, created_at: org.createdAt, version: 0 };
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
): Promise<Invite[]> {
  const r = await tx.query<InviteRow>(
    `select ${INVITE_COLUMNS} from invites
     where org_id = $1 and ((status = 'pending' and expires_at > $2) or id = any($3::text[]))`,
    [orgID, new Date(now).toISOString(), [...named]],
  );
  return r.rows.map(toInvite);
}

export async function insertMembership(tx: Sql, orgID: string, member: Member): Promise<void> {
  await tx.query(
    "insert into memberships (org_id, user_id, role, joined_at) values ($1, $2, $3, $4)",
    [orgID, member.userID, member.role, member.joinedAt],
  );
}

export async function deleteMembership(tx: Sql, orgID: string, userID: string): Promise<void> {
  await tx.query("delete from memberships where org_id = $1 and user_id = $2", [orgID, userID]);
}

/** A new activation link: the token (for the email) and its SHA-256 (what is stored). */
export interface LinkToken {
  token: string;
  hash: string;
}

const SENT = "returning id, org_id, email, send_count, sent_at, token_hash";

/** The token's hash kept for good (a superseded link is recognised), the email queued. */
const queueEmail = (tokenParam: string) =>
  `t as (insert into invite_tokens (token_hash, invite_id, created_at) select token_hash, id, sent_at from i)
   insert into outbox (org_id, invite_id, send_number, to_email, link_token, next_attempt_at, created_at)
   select org_id, id, send_count, email, ${tokenParam}, sent_at, sent_at from i`;

const CREATE_SEND = `with i as (
    insert into invites (id, org_id, email, role, status, invited_by, created_at, sent_at, expires_at,
                         send_count, delivery_state, delivery_attempts, token_hash)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12) ${SENT}),
  ${queueEmail("$13")}`;

const RESEND = `with i as (
    update invites set status = $2, sent_at = $3, expires_at = $4, send_count = $5, delivery_state = $6,
      delivery_attempts = 0, delivery_last_error = null, delivery_next_attempt_at = null, token_hash = $7
    where id = $1 ${SENT}),
  ${queueEmail("$8")}`;

/**
 * One send of an invitation, as decided (create, or an R7 resend of the
 * stored row), in one statement: the invites row carrying the new link's
 * hash, the hash in invite_tokens, and the email in the outbox with the raw
 * token as its link.
 */
export async function writeInviteSend(
  tx: Sql,
  kind: "create" | "resend",
  i: Invite,
  link: LinkToken,
): Promise<void> {
  const params =
    kind === "create"
      ? [i.id, i.orgID, i.email, i.role, i.status, i.invitedBy, i.createdAt, i.sentAt, i.expiresAt]
      : [i.id, i.status, i.sentAt, i.expiresAt];
  await tx.query(kind === "create" ? CREATE_SEND : RESEND, [
    ...params,
    i.sendCount,
    i.delivery.state,
    link.hash,
    link.token,
  ]);
}

/** Cancel the not-yet-sent emails of an invitation (their link no longer works). */
export async function cancelEmails(tx: Sql, inviteID: string): Promise<void> {
  await tx.query(
    `update outbox set state = 'cancelled', link_token = null
     where invite_id = $1 and state in ('queued', 'failed')`,
    [inviteID],
  );
}

/** An invitation accepted or withdrawn: its new status, and its unsent emails cancelled. */
export async function closeInvite(tx: Sql, invite: Invite): Promise<void> {
  await tx.query("update invites set status = $2 where id = $1", [invite.id, invite.status]);
  await cancelEmails(tx, invite.id);
}

export async function writeDelivery(tx: Sql, inviteID: string, d: Delivery): Promise<void> {
  await tx.query(
    `update invites set delivery_state = $2, delivery_attempts = $3, delivery_last_error = $4,
       delivery_next_attempt_at = $5 where id = $1`,
    [inviteID, d.state, d.attempts ?? 0, d.lastError ?? null, d.nextAttemptAt ?? null],
  );
}

/** One invitation of the org (as stored), or undefined. */
export async function loadInvite(
  tx: Sql,
  orgID: string,
  inviteID: string,
): Promise<Invite | undefined> {
  const r = await tx.query<InviteRow>(
    `select ${INVITE_COLUMNS} from invites where id = $1 and org_id = $2`,
    [inviteID, orgID],
  );
  return r.rows[0] && toInvite(r.rows[0]);
}

/**
 * The invitation any link ever issued for it leads to (by the token's hash),
 * and the hash of its current link: an older one was superseded by a resend.
 */
export async function findInviteByToken(
  sql: Sql,
  tokenHash: string,
): Promise<{ invite: Invite; currentHash: string } | undefined> {
  const r = await sql.query<InviteRow>(
    `select ${INVITE_COLUMNS.split(", ")
      .map((c) => `i.${c}`)
      .join(", ")}
     from invite_tokens t join invites i on i.id = t.invite_id where t.token_hash = $1`,
    [tokenHash],
  );
  const row = r.rows[0];
  return row ? { invite: toInvite(row), currentHash: row.token_hash } : undefined;
}
