/**
 * A logical dump of the daemon's database, the same on PGlite and on a
 * PostgreSQL server: every table of the schema (read from the catalog, so a
 * table a later migration adds is included), taken in one REPEATABLE READ
 * READ ONLY transaction — one consistent snapshot — plus the sequences.
 *
 * Format: lines of JSON. A header; per table a line naming it, its columns
 * and its row count, then one line per row exactly as Postgres's row_to_json
 * writes it (never parsed and re-encoded in JavaScript, so every value
 * round-trips as Postgres printed it); the sequences; a trailer with the row
 * counts (a backup cut short is refused).
 */
import {
  columnsOf,
  ident,
  schemaVersion,
  sequencesOf,
  tablesInLoadOrder,
} from "./schema-catalog.ts";
import type { Storage } from "./storage.ts";

export const DUMP_FORMAT = "roster-backup";
export const DUMP_VERSION = 1;
/** Rows fetched (and written) at once. */
export const BATCH = 500;

export interface DumpHeader {
  format: typeof DUMP_FORMAT;
  version: number;
  /** The latest migration applied to the dumped database. */
  schemaVersion: number;
  createdAt: string;
  source: "pglite" | "postgres";
}

export interface TableLine {
  table: string;
  columns: string[];
  rows: number;
}
export interface SequencesLine {
  sequences: Record<string, { value: number | string; called: boolean }>;
}
export interface EndLine {
  end: true;
  tables: Record<string, number>;
}

export interface DumpSummary {
  header: DumpHeader;
  tables: Record<string, number>;
}

/** Write the dump of `storage`, a chunk of lines at a time, through `write`. */
export async function dumpDatabase(
  storage: Storage,
  write: (chunk: string) => Promise<void>,
  now: () => Date = () => new Date(),
): Promise<DumpSummary> {
  return storage.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    const header: DumpHeader = {
      format: DUMP_FORMAT,
      version: DUMP_VERSION,
      schemaVersion: await schemaVersion(tx),
      createdAt: now().toISOString(),
      source: storage.kind,
    };
    await write(`${JSON.stringify(header)}\n`);
    const tables: Record<string, number> = {};
    for (const table of await tablesInLoadOrder(tx)) {
      const columns = await columnsOf(tx, table);
      const count = await tx.query<{ n: number | string }>(
        `select count(*) as n from ${ident(table)}`,
      );
      const rows = Number(count.rows[0]?.n ?? 0);
      await write(`${JSON.stringify({ table, columns, rows } satisfies TableLine)}\n`);
      tables[table] = rows;
      await tx.query(
        `declare dump_rows no scroll cursor for select row_to_json(t)::text as j from ${ident(table)} t`,
      );
      for (;;) {
        const batch = await tx.query<{ j: string }>(`fetch ${BATCH} from dump_rows`);
        if (batch.rows.length === 0) break;
        await write(batch.rows.map((r) => `${r.j}\n`).join(""));
      }
      await tx.query("close dump_rows");
    }
    const sequences: SequencesLine["sequences"] = {};
    for (const name of await sequencesOf(tx)) {
      const r = await tx.query<{ last_value: number | string; is_called: boolean }>(
        `select last_value, is_called from ${ident(name)}`,
      );
      const row = r.rows[0];
      if (row) sequences[name] = { value: row.last_value, called: row.is_called };
    }
    await write(`${JSON.stringify({ sequences } satisfies SequencesLine)}\n`);
    await write(`${JSON.stringify({ end: true, tables } satisfies EndLine)}\n`);
    return { header, tables };
  });
}
