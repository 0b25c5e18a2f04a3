/**
 * The change log (`changes`): one row per committed change of an org, its
 * version the org's version after it. Appending bumps `orgs.version` by one,
 * inserts the row and NOTIFYs — one statement, inside the command's
 * transaction (and noted for the change feed: committed-changes.ts). It is the audit trail (R12) and what the change feed, the live
 * catch-up and GET …/changes read.
 */
import type { Actor, Change, ChangeEntry, ChangesResponse } from "@roster/core";
import { noteAppended } from "./committed-changes.ts";
import { iso } from "./rows.ts";
import type { Sql } from "./storage.ts";

/** NOTIFY channel of committed changes; payload `{"orgID":..., "version":...}`. */
export const CHANGES_CHANNEL = "roster_changes";

/** Most changes one read returns; ask again with `since` = the last one. */
export const CHANGES_PAGE = 1000;

/**
 * Append `change` to the org's log: version + 1, the row, NOTIFY (delivered
 * on commit). Undefined when the org does not exist.
 */
export async function appendChange(
  tx: Sql,
  orgID: string,
  actor: Actor | null,
  change: Change,
  at: string,
): Promise<ChangeEntry | undefined> {
  const r = await tx.query<{ version: number | string }>(
    `with v as (update orgs set version = version + 1 where id = $1 returning version),
          c as (insert into changes (org_id, version, at, actor_id, actor_email, change)
                select $1, v.version, $2, $3, $4, $5::jsonb from v returning version)
     select version, pg_notify('${CHANGES_CHANNEL}', json_build_object('orgID', $1::text, 'version', version)::text)
     from c`,
    [orgID, at, actor?.userID ?? null, actor?.email ?? null, JSON.stringify(change)],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const entry: ChangeEntry = { version: Number(row.version), at, actor, change };
  noteAppended(tx, orgID, entry);
  return entry;
}

interface ChangeRow {
  version: number | string;
  at: Date | string;
  actor_id: string | null;
  actor_email: string | null;
  change: ChangeEntry["change"];
}

function toChangeEntry(r: ChangeRow): ChangeEntry {
  return {
    version: Number(r.version),
    at: iso(r.at),
    actor: r.actor_id === null ? null : { userID: r.actor_id, email: r.actor_email ?? "" },
    change: r.change,
  };
}

/** Entries of one org after `since`, in version order (for the feed and the live catch-up). */
export async function readChanges(
  sql: Sql,
  orgID: string,
  since: number,
  limit = CHANGES_PAGE,
): Promise<ChangeEntry[]> {
  const r = await sql.query<ChangeRow>(
    `select version, at, actor_id, actor_email, change from changes
     where org_id = $1 and version > $2 order by version limit $3`,
    [orgID, since, limit],
  );
  return r.rows.map(toChangeEntry);
}

/** GET …/changes: the entries after `since`, the org's version and the oldest retained one. */
export async function changesPage(
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

/** Every org and its version (where the change feed starts, and resumes after a lost LISTEN). */
export async function orgVersions(sql: Sql): Promise<Array<{ orgID: string; version: number }>> {
  const r = await sql.query<{ id: string; version: number | string }>(
    "select id, version from orgs",
  );
  return r.rows.map((row) => ({ orgID: row.id, version: Number(row.version) }));
}

/** The org's version (0 when it does not exist). */
export async function orgVersion(sql: Sql, orgID: string): Promise<number> {
  const r = await sql.query<{ version: number | string }>(
    "select version from orgs where id = $1",
    [orgID],
  );
  return Number(r.rows[0]?.version ?? 0);
}

/** Delete the entries of `orgID` up to and including version `upTo`. */
export async function pruneChanges(sql: Sql, orgID: string, upTo: number): Promise<void> {
  await sql.query("delete from changes where org_id = $1 and version <= $2", [orgID, upTo]);
}

/** Keep only the newest `keep` entries of every org. */
export async function pruneAllChanges(sql: Sql, keep: number): Promise<void> {
  await sql.query(
    "delete from changes c using orgs o where c.org_id = o.id and c.version <= o.version - $1",
    [keep],
  );
}
