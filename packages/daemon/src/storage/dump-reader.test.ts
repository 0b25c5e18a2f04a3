import { describe, expect, it } from "vitest";
import { BadDumpError, checkDump, readDump } from "./dump-reader.ts";
import { loadOrder } from "./schema-catalog.ts";

async function* from(lines: readonly string[]) {
  yield* lines;
}

const header = JSON.stringify({
  format: "roster-backup",
  version: 1,
  schemaVersion: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  source: "pglite",
});
const good = [
  header,
  JSON.stringify({ table: "orgs", columns: ["id", "name"], rows: 2 }),
  '{"id":"a","name":"A"}',
  '{"id":"b","name":"B"}',
  JSON.stringify({ table: "users", columns: ["id"], rows: 0 }),
  JSON.stringify({ sequences: { outbox_id_seq: { value: 7, called: true } } }),
  JSON.stringify({ end: true, tables: { orgs: 2, users: 0 } }),
];

const refusal = (lines: readonly string[]) =>
  checkDump(from(lines)).then(
    () => {
      throw new Error("accepted");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(BadDumpError);
      return (e as Error).message;
    },
  );

describe("reading a backup", () => {
  it("reads a whole one: header, tables with their rows, sequences, totals", async () => {
    const events = [];
    for await (const e of readDump(from(good))) events.push(e);
    expect(events.map((e) => e.kind)).toEqual([
      "header",
      "table",
      "rows",
      "table",
      "sequences",
      "end",
    ]);
    expect(events[2]).toEqual({ kind: "rows", table: "orgs", first: 0, rows: good.slice(2, 4) });
    expect(await checkDump(from(good))).toMatchObject({ tables: { orgs: 2, users: 0 } });
  });

  it("refuses one cut short, anywhere", async () => {
    for (let n = 0; n < good.length; n++) {
      expect(await refusal(good.slice(0, n))).toMatch(/ends early|incomplete/);
    }
  });

  it("refuses a damaged row, a count that does not add up, and lines after the end", async () => {
    expect(await refusal(good.map((l, i) => (i === 3 ? '{"id":"b",' : l)))).toBe(
      "the backup is damaged (row 2 of orgs is not valid JSON)",
    );
    expect(
      await refusal([...good.slice(0, 6), JSON.stringify({ end: true, tables: { orgs: 3 } })]),
    ).toBe("the backup's table orgs is incomplete");
    expect(await refusal([...good, "{}"])).toBe("the backup goes on after its end");
    expect(await refusal([header, "[1,2]"])).toMatch(/damaged/);
  });

  it("refuses something else, and a backup from a newer Roster", async () => {
    expect(await refusal(['{"hello":1}'])).toBe("this is not a Roster backup");
    const newer = JSON.stringify({ ...JSON.parse(header), schemaVersion: 999 });
    expect(await refusal([newer])).toMatch(/made by a newer Roster .*schema 999/);
  });
});

describe("load order", () => {
  it("puts every table after the tables it references", () => {
    const refs = [
      { child: "memberships", parent: "orgs" },
      { child: "memberships", parent: "users" },
      { child: "invites", parent: "orgs" },
      { child: "invite_tokens", parent: "invites" },
      { child: "tree", parent: "tree" },
    ];
    const order = loadOrder(
      ["invite_tokens", "invites", "memberships", "orgs", "tree", "users"],
      refs,
    );
    for (const r of refs) {
      if (r.child !== r.parent)
        expect(order.indexOf(r.parent)).toBeLessThan(order.indexOf(r.child));
    }
    expect(order).toHaveLength(6);
    expect(() =>
      loadOrder(
        ["a", "b"],
        [
          { child: "a", parent: "b" },
          { child: "b", parent: "a" },
        ],
      ),
    ).toThrow(/cycle/);
  });
});
