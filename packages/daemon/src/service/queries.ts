/**
 * Reads. Each is one statement (one snapshot, so a list and the version it
 * was read at agree) and uses an index.
 */
import {
  PENDING_LIMIT,
  withDerivedStatus,
  type ChangeEntry,
  type ChangesResponse,
  type Invite,
  type InviteStatusFilter,
  type Member,
  type OrgsResponse,
  type Role,
  type User,
} from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { iso, toInvite, toMember, toOrg, type InviteRow, type MemberRow } from "./rows.ts";

export interface AuthenticatedUser extends User {
  tokenHash: string;
}

/** The user an API token (by its hash) belongs to. */
export async function userByTokenHash(
  sql: Sql,
  tokenHash: string,
): Promise<AuthenticatedUser | undefined> {
  const r = await sql.query<{ id: string; email: string; name: string; token_hash: string }>(
    `select u.id, u.email, u.name, t.token_hash from api_tokens t join users u on u.id = t.user_id
     where t.token_hash = $1`,
    [tokenHash],
  );
  const row = r.rows[0];
  return row
    ? { id: row.id, email: row.email, name: row.name, tokenHash: row.token_hash }
    : undefined;
}

/** The caller of an org route: the token's user, their role in the org (if any), the org's version. */
export interface OrgCaller {
  user: AuthenticatedUser;
  role: Role | undefined;
  /** The org's version, read in the same statement as the role (0 when not a member). */
  version: number;
}

/**
 * Token lookup, membership check and the org's version in one statement:
 * every org request is checked against the database (a removed member's
 * next request fails at once, R10), at the cost of a single round trip.
 */
export async function orgCallerByTokenHash(
  sql: Sql,
  tokenHash: string,
  orgID: string,
): Promise<OrgCaller | undefined> {
  const r = await sql.query<{
    id: string;
    email: string;
    name: string;
    token_hash: string;
    role: Role | null;
    version: number | string | null;
  }>(
    `select u.id, u.email, u.name, t.token_hash, m.role, o.version
     from api_tokens t join users u on u.id = t.user_id
     left join memberships m on m.org_id = $2 and m.user_id = t.user_id
     left join orgs o on o.id = m.org_id
     where t.token_hash = $1`,
    [tokenHash, orgID],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    user: { id: row.id, email: row.email, name: row.name, tokenHash: row.token_hash },
    role: row.role ?? undefined,
    version: row.role == null ? 0 : Number(row.version ?? 0),
  };
}

export async function membershipRole(
  sql: Sql,
  orgID: string,
  userID: string,
): Promise<Role | undefined> {
  const r = await sql.query<{ role: Role }>(
    "select role from memberships where org_id = $1 and user_id = $2",
    [orgID, userID],
  );
  return r.rows[0]?.role;
}

export async function listOrgs(sql: Sql, userID: string): Promise<OrgsResponse> {
  const r = await sql.query<{ id: string; name: string; created_at: Date; role: Role }>(
    `select o.id, o.name, o.created_at, m.role from memberships m join orgs o on o.id = m.org_id
     where m.user_id = $1 order by o.created_at, o.id`,
    [userID],
  );
  return { orgs: r.rows.map((row) => ({ ...toOrg(row), role: row.role })) };
}

export async function listMembers(
  sql: Sql,
  orgID: string,
): Promise<{ members: Member[]; version: number }> {
  const r = await sql.query<{ version: number | string; members: MemberRow[] }>(
    `select o.version, coalesce((
       select json_agg(x order by x.joined_at, x.user_id) from (
         select m.user_id, u.email, u.name, m.role, m.joined_at
         from memberships m join users u on u.id = m.user_id where m.org_id = o.id) x), '[]'::json) as members
     from orgs o where o.id = $1`,
    [orgID],
  );
  const row = r.rows[0];
  if (!row) return { members: [], version: 0 };
  return { members: row.members.map(toMember), version: Number(row.version) };
}

const STATUS_FILTERS: Record<InviteStatusFilter, string> = {
  all: "true",
  open: "i.status = 'pending'",
  pending: "i.status = 'pending' and i.expires_at > $2",
  expired: "i.status = 'pending' and i.expires_at <= $2",
  accepted: "i.status = 'accepted'",
  withdrawn: "i.status = 'withdrawn'",
};

/** Invitations by status (default: open ones, i.e. pending and expired). */
export async function listInvites(
  sql: Sql,
  orgID: string,
  status: InviteStatusFilter,
  now: number,
  limit: number = PENDING_LIMIT,
): Promise<{ invites: Invite[]; pending: number; limit: number; version: number }> {
  const r = await sql.query<{
    version: number | string;
    pending: number | string;
    invites: InviteRow[];
  }>(
    `select o.version,
       (select count(*) from invites p where p.org_id = o.id and p.status = 'pending' and p.expires_at > $2) as pending,
       coalesce((select json_agg(i order by i.created_at, i.id) from (
         select i.id, i.org_id, i.email, i.role, i.status, i.invited_by, i.created_at, i.sent_at, i.expires_at,
                i.send_count, i.delivery_state, i.delivery_attempts, i.delivery_last_error,
                i.delivery_next_attempt_at
         from invites i where i.org_id = o.id and ${STATUS_FILTERS[status]}) i), '[]'::json) as invites
     from orgs o where o.id = $1`,
    [orgID, new Date(now).toISOString()],
  );
  const row = r.rows[0];
  if (!row) return { invites: [], pending: 0, limit, version: 0 };
  return {
    invites: row.invites.map((i) => withDerivedStatus(toInvite(i), now)),
    pending: Number(row.pending),
    limit,
    version: Number(row.version),
  };
}

interface ChangeRow {
  version: number | string;
  at: Date | string;
  actor_id: string | null;
  actor_email: string | null;
  change: ChangeEntry["change"];
}

export function toChangeEntry(r: ChangeRow): ChangeEntry {
  return {
    version: Number(r.version),
    at: iso(r.at),
    actor: r.actor_id === null ? null : { userID: r.actor_id, email: r.actor_email ?? "" },
    change: r.change,
  };
}

/** Most changes one `GET …/changes` returns; ask again with `since` = the last one. */
export const CHANGES_PAGE = 1000;

/** The change log after `since`, the org's version and the oldest retained version. */
export async function changesSince(
  sql: Sql,
  orgID: string,
  since: number,
  limit = CHANGES_PAGE,
): Promise<ChangesResponse> {
  const r = await sql.query<{
    version: number | string;
    oldest: number | string | null;
    changes: ChangeRow[];
  }>(
    `select o.version,
       (select min(c.version) from changes c where c.org_id = o.id) as oldest,
       coalesce((select json_agg(c order by c.version) from (
         select c.version, c.at, c.actor_id, c.actor_email, c.change from changes c
         where c.org_id = o.id and c.version > $2 order by c.version limit $3) c), '[]'::json) as changes
     from orgs o where o.id = $1`,
    [orgID, since, limit],
  );
  const row = r.rows[0];
  if (!row) return { changes: [], version: 0, oldest: 0 };
  const version = Number(row.version);
  return {
    changes: row.changes.map(toChangeEntry),
    version,
    oldest: row.oldest == null ? version + 1 : Number(row.oldest),
  };
}

/** Changes of one org after `since`, in version order (for the change feed). */
export async function changeRowsSince(
  sql: Sql,
  orgID: string,
  since: number,
  limit = CHANGES_PAGE,
) {
  const r = await sql.query<ChangeRow>(
    `select version, at, actor_id, actor_email, change from changes
     where org_id = $1 and version > $2 order by version limit $3`,
    [orgID, since, limit],
  );
  return r.rows.map(toChangeEntry);
}

export async function getUser(sql: Sql, userID: string): Promise<User | undefined> {
  const r = await sql.query<User>("select id, email, name from users where id = $1", [userID]);
  return r.rows[0];
}
