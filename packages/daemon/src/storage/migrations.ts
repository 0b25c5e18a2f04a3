/**
 * Versioned schema migrations, applied at start in one transaction under an
 * advisory lock (several daemons may start on one PostgreSQL server at once).
 * Portable SQL: every statement runs on PGlite and on PostgreSQL 15+.
 * Append new migrations; never edit an applied one. Migrations are applied
 * by version, each one not applied yet, in order: a gap in the list (a
 * branch that has 1 and 3 while another adds 2) is fine, and a database that
 * has 1 and 3 gets 2 when it appears.
 */
import type { Storage } from "./storage.ts";

export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** Arbitrary constant key of the advisory lock taken while migrating. */
const MIGRATION_LOCK_KEY = 727_001;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    statements: [
      `create table orgs (
        id text primary key,
        name text not null,
        created_at timestamptz not null,
        version bigint not null default 0
      )`,
      `create table users (
        id text primary key,
        email text not null unique,
        name text not null,
        created_at timestamptz not null
      )`,
      `create table memberships (
        org_id text not null references orgs(id),
        user_id text not null references users(id),
        role text not null,
        joined_at timestamptz not null,
        primary key (org_id, user_id)
      )`,
      `create index memberships_user_id on memberships (user_id)`,
      `create table api_tokens (
        id text primary key,
        user_id text not null references users(id),
        token_hash text not null unique,
        created_at timestamptz not null
      )`,
      `create table invites (
        id text primary key,
        org_id text not null references orgs(id),
        email text not null,
        role text not null,
        status text not null check (status in ('pending', 'accepted', 'withdrawn')),
        invited_by text not null references users(id),
        created_at timestamptz not null,
        sent_at timestamptz not null,
        expires_at timestamptz not null,
        send_count int not null,
        delivery_state text not null check (delivery_state in ('queued', 'sent', 'failed')),
        delivery_attempts int not null default 0,
        delivery_last_error text,
        delivery_next_attempt_at timestamptz,
        token_hash text not null unique
      )`,
      `create index invites_org_status on invites (org_id, status, expires_at)`,
      `create index invites_org_created on invites (org_id, created_at)`,
      `create table invite_tokens (
        token_hash text primary key,
        invite_id text not null references invites(id),
        created_at timestamptz not null
      )`,
      `create table changes (
        org_id text not null references orgs(id),
        version bigint not null,
        at timestamptz not null,
        actor_id text,
        actor_email text,
        change jsonb not null,
        primary key (org_id, version)
      )`,
      `create table idempotency (
        key_hash text primary key,
        request_hash text not null,
        status int,
        response text,
        created_at timestamptz not null
      )`,
      `create index idempotency_created_at on idempotency (created_at)`,
      `create table outbox (
        id bigserial primary key,
        org_id text not null,
        invite_id text not null references invites(id),
        send_number int not null,
        to_email text not null,
        link_token text,
        state text not null default 'queued' check (state in ('queued','sent','failed','cancelled')),
        attempts int not null default 0,
        last_error text,
        next_attempt_at timestamptz not null,
        created_at timestamptz not null,
        sent_at timestamptz
      )`,
      `create index outbox_due on outbox (next_attempt_at) where state in ('queued', 'failed')`,
      `create index outbox_invite on outbox (invite_id)`,
    ],
  },
  {
    version: 2,
    name: "api token lifecycle (R13)",
    statements: [
      `alter table api_tokens add column description text not null default ''`,
      `alter table api_tokens add column last_used_at timestamptz`,
      `alter table api_tokens add column expires_at timestamptz`,
      `alter table api_tokens add column revoked_at timestamptz`,
      `create index api_tokens_user_id on api_tokens (user_id)`,
    ],
  },
  {
    version: 3,
    name: "abuse limit events",
    statements: [
      // R14: one row per counted event (org created, invitation email queued), pruned after a day.
      `create table abuse_events (
        counter text not null,
        subject text not null,
        at timestamptz not null
      )`,
      `create index abuse_events_subject on abuse_events (counter, subject, at)`,
      `create index abuse_events_at on abuse_events (at)`,
    ],
  },
  {
    version: 4,
    name: "outbox: leased rows",
    statements: [
      // A row claimed for a send and not recorded yet: after a restart on the
      // embedded database only these are due at once; rows waiting for a
      // retry keep their next_attempt_at (the schedule resumes).
      `alter table outbox add column leased boolean not null default false`,
    ],
  },
];

/** Apply every migration not applied yet; returns the versions applied. */
export async function migrate(
  storage: Storage,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  // Fast path for an up-to-date database (every version applied): one query, no lock.
  const applied = await appliedVersions(storage);
  if (applied && migrations.every((m) => applied.has(m.version))) return [];
  return storage.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.query(`create table if not exists schema_migrations (
      version int primary key,
      name text not null,
      applied_at timestamptz not null
    )`);
    const done = await tx.query<{ version: number }>("select version from schema_migrations");
    const applied = new Set(done.rows.map((r) => Number(r.version)));
    const ran: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      for (const statement of m.statements) await tx.query(statement);
      await tx.query(
        "insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)",
        [m.version, m.name, new Date().toISOString()],
      );
      ran.push(m.version);
    }
    return ran;
  });
}

async function appliedVersions(storage: Storage): Promise<Set<number> | undefined> {
  const t = await storage.query<{ exists: boolean }>(
    "select to_regclass('schema_migrations') is not null as exists",
  );
  if (!t.rows[0]?.exists) return undefined;
  const r = await storage.query<{ version: number }>("select version from schema_migrations");
  return new Set(r.rows.map((row) => Number(row.version)));
}
