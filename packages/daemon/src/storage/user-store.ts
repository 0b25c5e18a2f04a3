/** Users, and the first-run setup's lock (their API tokens: token-store.ts). */
import type { User } from "@roster/core";
import type { Sql } from "./storage.ts";

/** Advisory lock key that serializes first-run setups. */
const SETUP_LOCK_KEY = 727_002;

/** Hold the setup lock until the transaction ends (two racing setups: one wins). */
export async function lockSetup(tx: Sql): Promise<void> {
  await tx.query("select pg_advisory_xact_lock($1)", [SETUP_LOCK_KEY]);
}

/** Advisory lock namespace of emails (with the email's hash as the second key). */
const EMAIL_LOCK_KEY = 727_003;

/** Hold a lock on `email` until the transaction ends: its user is created once. */
export async function lockEmail(tx: Sql, email: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock($1, hashtext($2))", [EMAIL_LOCK_KEY, email]);
}

/** Whether any org exists (setup is allowed only while none does). */
export async function anyOrgExists(sql: Sql): Promise<boolean> {
  const r = await sql.query<{ any: boolean }>("select exists (select 1 from orgs) as any");
  return r.rows[0]?.any === true;
}

export async function getUser(sql: Sql, userID: string): Promise<User | undefined> {
  const r = await sql.query<User>("select id, email, name from users where id = $1", [userID]);
  return r.rows[0];
}

export async function findUserByEmail(sql: Sql, email: string): Promise<User | undefined> {
  const r = await sql.query<User>("select id, email, name from users where email = $1", [email]);
  return r.rows[0];
}

/**
 * Insert the user unless one with that email exists (another transaction
 * may have created it meanwhile); returns the stored user.
 */
export async function upsertUser(tx: Sql, user: User, at: string): Promise<User | undefined> {
  const r = await tx.query<User>(
    `insert into users (id, email, name, created_at) values ($1, $2, $3, $4)
     on conflict (email) do nothing returning id, email, name`,
    [user.id, user.email, user.name, at],
  );
  return r.rows[0] ?? (await findUserByEmail(tx, user.email));
}
