/**
 * Reading a dump (see logical-dump.ts) back, checked line by line: the
 * header, each table's declared row count against its rows (each valid
 * JSON), and the trailer's totals. A backup cut short, damaged or made by a
 * newer Roster is refused with a BadDumpError saying which.
 */
import {
  BATCH,
  DUMP_FORMAT,
  DUMP_VERSION,
  type DumpHeader,
  type DumpSummary,
  type EndLine,
  type SequencesLine,
  type TableLine,
} from "./logical-dump.ts";
import { latestSchemaVersion } from "./schema-catalog.ts";

export class BadDumpError extends Error {
  override readonly name = "BadDumpError";
}

export type DumpEvent =
  | { kind: "header"; header: DumpHeader }
  | { kind: "table"; table: string; columns: string[]; rows: number }
  /** Up to BATCH rows of the last table, as the JSON text of each. */
  | { kind: "rows"; table: string; first: number; rows: string[] }
  | { kind: "sequences"; sequences: SequencesLine["sequences"] }
  | { kind: "end"; tables: Record<string, number> };

export async function* readDump(lines: AsyncIterable<string>): AsyncGenerator<DumpEvent> {
  const it = lines[Symbol.asyncIterator]();
  const next = async (what: string): Promise<string> => {
    const r = await it.next();
    if (r.done)
      throw new BadDumpError(`the backup ends early (expected ${what}): it is incomplete`);
    return r.value;
  };
  const header = parse<DumpHeader>(await next("its header"), "its header");
  if (header.format !== DUMP_FORMAT) throw new BadDumpError("this is not a Roster backup");
  if (header.version !== DUMP_VERSION || header.schemaVersion > latestSchemaVersion()) {
    throw new BadDumpError(
      `this backup was made by a newer Roster (format ${header.version}, schema ${header.schemaVersion}): upgrade Roster to restore it`,
    );
  }
  yield { kind: "header", header };
  const counted: Record<string, number> = {};
  for (;;) {
    const section = parse<Partial<TableLine & SequencesLine & EndLine>>(
      await next("a table, the sequences or the end"),
      "a section line",
    );
    if (section.sequences) {
      yield { kind: "sequences", sequences: section.sequences };
    } else if (section.end) {
      const declared = section.tables ?? {};
      for (const table of new Set([...Object.keys(declared), ...Object.keys(counted)])) {
        if (declared[table] !== counted[table]) {
          throw new BadDumpError(`the backup's table ${table} is incomplete`);
        }
      }
      if (!(await it.next()).done) throw new BadDumpError("the backup goes on after its end");
      yield { kind: "end", tables: declared };
      return;
    } else if (typeof section.table === "string" && Number.isInteger(section.rows)) {
      const { table, columns = [], rows = 0 } = section;
      yield { kind: "table", table, columns, rows };
      for (let first = 0; first < rows; first += BATCH) {
        const batch: string[] = [];
        for (let i = first; i < Math.min(rows, first + BATCH); i++) {
          const row = await next(`row ${i + 1} of ${rows} of ${table}`);
          parse(row, `row ${i + 1} of ${table}`);
          batch.push(row);
        }
        yield { kind: "rows", table, first, rows: batch };
      }
      counted[table] = rows;
    } else {
      throw new BadDumpError("the backup is damaged (a line is not what it should be)");
    }
  }
}

/** Read a whole dump, checking it; nothing is written anywhere. */
export async function checkDump(lines: AsyncIterable<string>): Promise<DumpSummary> {
  let header: DumpHeader | undefined;
  for await (const e of readDump(lines)) {
    if (e.kind === "header") header = e.header;
    if (e.kind === "end") return { header: header!, tables: e.tables };
  }
  throw new BadDumpError("the backup ends early: it is incomplete");
}

function parse<T>(line: string, what: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new BadDumpError(`the backup is damaged (${what} is not valid JSON)`);
  }
}
