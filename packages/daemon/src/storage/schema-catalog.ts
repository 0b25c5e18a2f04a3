/**
 * What a dump needs to know about the schema, read from Postgres's catalog
 * (so a table a later migration adds is dumped and restored too).
 */
import { MIGRATIONS } from "./migrations.ts";
import type { Sql } from "./storage.ts";

export function latestSchemaVersion(): number {
  return Math.max(...MIGRATIONS.map((m) => m.version));
}

export async function schemaVersion(sql: Sql): Promise<number> {
  const r = await sql.query<{ v: number | null }>(
    "select max(version) as v from schema_migrations",
  );
  return Number(r.rows[0]?.v ?? 0);
}

/** The schema's tables (not schema_migrations), parents before the tables that reference them. */
export async function tablesInLoadOrder(sql: Sql): Promise<string[]> {
  const tables = await sql.query<{ name: string }>(
    `select c.relname as name from pg_class c
      where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
        and c.relname <> 'schema_migrations'
      order by c.relname`,
  );
  const refs = await sql.query<{ child: string; parent: string }>(
    `select ch.relname as child, pa.relname as parent from pg_constraint k
       join pg_class ch on ch.oid = k.conrelid join pg_class pa on pa.oid = k.confrelid
      where k.contype = 'f' and k.connamespace = current_schema()::regnamespace`,
  );
  return loadOrder(
    tables.rows.map((t) => t.name),
    refs.rows,
  );
}

/** Tables ordered so that each comes after every table it references (self-references ignored). */
export function loadOrder(
  tables: readonly string[],
  refs: readonly { child: string; parent: string }[],
): string[] {
  const ordered: string[] = [];
  const placed = new Set<string>();
  const visit = (t: string, path: Set<string>) => {
    if (placed.has(t)) return;
    if (path.has(t)) throw new Error(`foreign keys form a cycle through ${t}`);
    path.add(t);
    for (const r of refs) if (r.child === t && r.parent !== t) visit(r.parent, path);
    path.delete(t);
    placed.add(t);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

export async function columnsOf(sql: Sql, table: string): Promise<string[]> {
  const r = await sql.query<{ name: string }>(
    `select a.attname as name from pg_attribute a
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [ident(table)],
  );
  return r.rows.map((c) => c.name);
}

export async function sequencesOf(sql: Sql): Promise<string[]> {
  const r = await sql.query<{ name: string }>(
    `select relname as name from pg_class
      where relnamespace = current_schema()::regnamespace and relkind = 'S' order by relname`,
  );
  return r.rows.map((s) => s.name);
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
