/**
 * Reads. Each is one statement (one snapshot, so a list and the version it
 * was read at agree) and uses an index.
 */
import {
  PENDING_LIMIT,
  withDerivedStatus,
  type Invite,
  type InviteStatusFilter,
  type Member,
  type Org,
  type OrgsResponse,
  type OrgState,
  type Role,
  type User,
} from "@roster/core";
import {
  INVITE_COLUMNS,
  MEMBER_COLUMNS,
  toInvite,
  toMember,
  toOrg,
  type InviteRow,
  type MemberRow,
  type OrgRow,
} from "./rows.ts";
import type { Sql } from "./storage.ts";

export interface AuthenticatedUser extends User {
  tokenHash: string;
  tokenID: string;
  /** When the token stops working (ms since epoch); null: never. */
  tokenExpiresAt: number | null;
}

interface TokenUserRow {
  id: string;
  email: string;
  name: string;
  token_hash: string;
  token_id: string;
  expires_at: Date | string | null;
}

/** A live token: not revoked, not expired at `$2` (R13). */
const LIVE_TOKEN =
  "t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > $2)";
const TOKEN_USER = "u.id, u.email, u.name, t.token_hash, t.id as token_id, t.expires_at";

function toAuthenticated(row: TokenUserRow): AuthenticatedUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    tokenHash: row.token_hash,
    tokenID: row.token_id,
    tokenExpiresAt: row.expires_at === null ? null : new Date(row.expires_at).getTime(),
  };
}

/** The user a live API token (by its hash) belongs to at `now`. */
export async function userByTokenHash(
  sql: Sql,
  tokenHash: string,
  now: number,
): Promise<AuthenticatedUser | undefined> {
  const r = await sql.query<TokenUserRow>(
    `select ${TOKEN_USER} from api_tokens t join users u on u.id = t.user_id where ${LIVE_TOKEN}`,
    [tokenHash, new Date(now).toISOString()],
  );
  const row = r.rows[0];
  return row ? toAuthenticated(row) : undefined;
}

/** A user's role in an org (none: not a member) and the org's version (0 when not a member). */
export interface OrgAccess {
  role: Role | undefined;
  version: number;
}

/** The caller of an org route: the token's user, their role in the org, the org's version. */
export interface OrgCaller extends OrgAccess {
  user: AuthenticatedUser;
}

/**
 * Token lookup, membership check and the org's version in one statement:
 * what an org request reads when memory cannot answer (the token not seen
 * yet, or the org's projection not current; see service.ts authenticateForOrg).
 */
export async function orgCallerByTokenHash(
  sql: Sql,
  tokenHash: string,
  orgID: string,
  now: number,
): Promise<OrgCaller | undefined> {
  const r = await sql.query<TokenUserRow & { role: Role | null; version: number | string | null }>(
    `select ${TOKEN_USER}, m.role, o.version
     from api_tokens t join users u on u.id = t.user_id
     left join memberships m on m.org_id = $3 and m.user_id = t.user_id
     left join orgs o on o.id = m.org_id
     where ${LIVE_TOKEN}`,
    [tokenHash, new Date(now).toISOString(), orgID],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    user: toAuthenticated(row),
    role: row.role ?? undefined,
    version: row.role == null ? 0 : Number(row.version ?? 0),
  };
}

/**
 * The org's version if the token `tokenID` of `userID` is still live at
 * `now` (R13) and the user a member of `orgID` (R10), read in one
 * statement; else undefined: a live session's check when it says hello.
 */
export async function sessionAccess(
  sql: Sql,
  access: { orgID: string; userID: string; tokenID: string },
  now: number,
): Promise<number | undefined> {
  const r = await sql.query<{ version: number | string }>(
    `select o.version from api_tokens t
     join memberships m on m.user_id = t.user_id and m.org_id = $1
     join orgs o on o.id = m.org_id
     where t.id = $3 and t.user_id = $2 and t.revoked_at is null
       and (t.expires_at is null or t.expires_at > $4)`,
    [access.orgID, access.userID, access.tokenID, new Date(now).toISOString()],
  );
  const row = r.rows[0];
  return row ? Number(row.version) : undefined;
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

export async function getOrg(sql: Sql, orgID: string): Promise<Org | undefined> {
  const r = await sql.query<OrgRow>(
    "select id, name, created_at, version from orgs where id = $1",
    [orgID],
  );
  return r.rows[0] && toOrg(r.rows[0]);
}

/** An org as the live projection starts from it: its version, members and open invitations. */
export interface OrgSnapshot {
  org: Org;
  version: number;
  /** Members and pending invitations (stored status: `expired` is derived by readers). */
  state: OrgState;
}

/** The org, its version, members and pending invitations, read in one statement (one snapshot). */
export async function loadOrgSnapshot(sql: Sql, orgID: string): Promise<OrgSnapshot | undefined> {
  const r = await sql.query<OrgRow & { members: MemberRow[]; invites: InviteRow[] }>(
    `select o.id, o.name, o.created_at, o.version,
       coalesce((select json_agg(x order by x.joined_at, x.user_id) from (
         select ${MEMBER_COLUMNS} from memberships m join users u on u.id = m.user_id where m.org_id = o.id) x),
         '[]'::json) as members,
       coalesce((select json_agg(i order by i.created_at, i.id) from (
         select ${INVITE_COLUMNS} from invites where org_id = o.id and status = 'pending') i),
         '[]'::json) as invites
     from orgs o where o.id = $1`,
    [orgID],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const members = row.members.map(toMember);
  const invites = row.invites.map(toInvite);
  return { org: toOrg(row), version: Number(row.version), state: { orgID, members, invites } };
}
