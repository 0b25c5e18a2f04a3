/**
 * First-run setup (SPEC §2): while no org exists, create the first org, its
 * owner and an API token. Serialized by an advisory lock so two racing setups
 * cannot both succeed.
 */
import {
  errors,
  foundingMember,
  parseEmail,
  type ChangeEntry,
  type Org,
  type User,
} from "@roster/core";
import type { Sql } from "../storage/storage.ts";
import { actorOf, type ServiceContext } from "./context.ts";
import { fail, unwrap } from "./domain-failure.ts";
import { commitChange } from "./org-tx.ts";
import { iso } from "./rows.ts";
import { hashSecret, newId, newSecret } from "./secrets.ts";

const SETUP_LOCK_KEY = 727_002;

export async function setupAllowed(sql: Sql): Promise<boolean> {
  const r = await sql.query<{ any: boolean }>("select exists (select 1 from orgs) as any");
  return !r.rows[0]?.any;
}

export interface SetupInput {
  org: string;
  email: unknown;
  name?: string | undefined;
}

export interface SetupResult {
  org: Org;
  user: User;
  token: string;
  entry: ChangeEntry;
}

export async function setup(ctx: ServiceContext, tx: Sql, input: SetupInput): Promise<SetupResult> {
  await tx.query("select pg_advisory_xact_lock($1)", [SETUP_LOCK_KEY]);
  if (!(await setupAllowed(tx))) fail(errors.setupDone());
  const email = unwrap(parseEmail(input.email ?? ""));
  const now = ctx.now();
  const at = iso(new Date(now));
  const user = await upsertUser(tx, { id: newId(), email, name: input.name ?? "" }, at);
  const created = await createOrgWithOwner(tx, input.org, user, now);
  return { ...created, user, token: await issueApiToken(tx, user.id, at) };
}

/** Insert the user unless one with that email exists; returns the stored user. */
export async function upsertUser(tx: Sql, user: User, at: string): Promise<User> {
  const r = await tx.query<User>(
    `insert into users (id, email, name, created_at) values ($1, $2, $3, $4)
     on conflict (email) do nothing returning id, email, name`,
    [user.id, user.email, user.name, at],
  );
  if (r.rows[0]) return r.rows[0];
  const existing = await tx.query<User>("select id, email, name from users where email = $1", [
    user.email,
  ]);
  return existing.rows[0] ?? fail(errors.invalidBody("The user could not be created."));
}

export async function issueApiToken(tx: Sql, userID: string, at: string): Promise<string> {
  const token = newSecret("api");
  await tx.query(
    "insert into api_tokens (id, user_id, token_hash, created_at) values ($1, $2, $3, $4)",
    [newId(), userID, hashSecret(token), at],
  );
  return token;
}

/** A new org whose only member is `user` (change version 1: the founding member). */
export async function createOrgWithOwner(
  tx: Sql,
  name: string,
  user: User,
  now: number,
): Promise<{ org: Org; entry: ChangeEntry }> {
  const at = iso(new Date(now));
  const org: Org = { id: newId(), name, createdAt: at };
  await tx.query("insert into orgs (id, name, created_at, version) values ($1, $2, $3, 0)", [
    org.id,
    name,
    at,
  ]);
  const change = foundingMember(user, now);
  await tx.query(
    "insert into memberships (org_id, user_id, role, joined_at) values ($1, $2, $3, $4)",
    [org.id, user.id, change.member.role, change.member.joinedAt],
  );
  const entry = await commitChange(
    tx,
    org.id,
    actorOf({ userID: user.id, email: user.email }),
    change,
    at,
  );
  return { org, entry };
}
