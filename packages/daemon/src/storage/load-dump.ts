/**
 * Loading a dump (see logical-dump.ts) into an empty database: its schema is
 * migrated to the dump's version, the rows and sequences loaded in one
 * transaction, then the rest of the migrations applied.
 */
import { BadDumpError, readDump } from "./dump-reader.ts";
import type { DumpHeader, DumpSummary } from "./logical-dump.ts";
import { MIGRATIONS, migrate } from "./migrations.ts";
import { columnsOf, ident, tablesInLoadOrder } from "./schema-catalog.ts";
import { sqlState, type Sql, type Storage } from "./storage.ts";

export async function loadDump(
  storage: Storage,
  lines: AsyncIterable<string>,
): Promise<DumpSummary> {
  const events = readDump(lines);
  const first = await events.next();
  if (first.done || first.value.kind !== "header") throw new BadDumpError("no header");
  const header: DumpHeader = first.value.header;
  await migrate(
    storage,
    MIGRATIONS.filter((m) => m.version <= header.schemaVersion),
  );
  const tables = await storage.transaction(async (tx) => {
    const known = new Set(await tablesInLoadOrder(tx));
    for await (const e of events) {
      if (e.kind === "table") await checkTable(tx, known, e.table, e.columns);
      if (e.kind === "rows") await insertRows(tx, e.table, e.first, e.rows);
      if (e.kind === "sequences") {
        for (const [name, s] of Object.entries(e.sequences)) {
          await tx.query("select setval($1, $2, $3)", [ident(name), s.value, s.called]);
        }
      }
      if (e.kind === "end") return e.tables;
    }
    throw new BadDumpError("the backup ends early: it is incomplete");
  });
  await migrate(storage);
  return { header, tables };
}

async function checkTable(tx: Sql, known: Set<string>, table: string, columns: string[]) {
  if (!known.has(table)) throw new BadDumpError(`the backup has an unknown table ${table}`);
  const actual = await columnsOf(tx, table);
  if ([...actual].sort().join() !== [...columns].sort().join()) {
    throw new BadDumpError(`the columns of ${table} in the backup do not match its schema`);
  }
}

async function insertRows(tx: Sql, table: string, first: number, rows: string[]) {
  try {
    await tx.query(
      `insert into ${ident(table)} select * from json_populate_recordset(null::${ident(table)}, $1::json)`,
      [`[${rows.join(",")}]`],
    );
  } catch (e) {
    // Bad data or a broken constraint is the backup's fault; anything else is not.
    if (!/^2[23]/.test(sqlState(e) ?? "")) throw e;
    throw new BadDumpError(
      `the backup is damaged: rows ${first + 1}-${first + rows.length} of ${table} cannot be loaded (${(e as Error).message})`,
    );
  }
}
