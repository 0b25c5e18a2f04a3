/**
 * The data-directory template: a first start copies it (no initdb: the new
 * database has the template's system identifier and nothing to migrate),
 * durably; a template of another schema, a missing one or one that does not
 * open leads to initdb, as before.
 */
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgliteTemplate } from "roster-workspace/test/support/daemon.ts";
import { migrate, MIGRATIONS, type Migration } from "./migrations.ts";
import { isTemplateCurrent, packTemplate } from "./pgdata-template-build.ts";
import { migrationPrints, readTemplate } from "./pgdata-template.ts";
import { openPgliteStorage, pgdataDir } from "./pglite-storage.ts";

const dir = mkdtempSync(join(tmpdir(), "roster-template-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let source: string;
const template = join(dir, "pgdata-template.tar.gz");
beforeAll(async () => {
  source = await pgliteTemplate();
  await packTemplate(source, template, {
    format: 1,
    migrations: migrationPrints(),
    pglite: "test",
  });
}, 120_000);

/** PostgreSQL's system identifier: made by initdb, random per cluster. */
const systemId = (pgdata: string) =>
  readFileSync(join(pgdata, "global", "pg_control"))
    .subarray(0, 8)
    .toString("hex");

function recordingLog() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at = (level: string) => (obj: object, msg: string) =>
    void lines.push({ level, msg, obj: obj as Record<string, unknown> });
  return { lines, info: at("info"), error: at("error") };
}

/** Count every fsync through a fs/promises FileHandle meanwhile. */
async function countingSyncs<T>(fn: () => Promise<T>): Promise<{ result: T; syncs: number }> {
  const probe = await open(template, "r");
  const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
  await probe.close();
  const sync = proto.sync;
  let syncs = 0;
  proto.sync = function (this: unknown) {
    syncs++;
    return sync.call(this);
  };
  try {
    return { result: await fn(), syncs };
  } finally {
    proto.sync = sync;
  }
}

describe("a first start on an empty data directory", () => {
  it("copies the template instead of running initdb, every file synced", async () => {
    const dataDir = join(dir, "from-template");
    const log = recordingLog();
    const { result: storage, syncs } = await countingSyncs(() =>
      openPgliteStorage({ dataDir, template, log }),
    );
    try {
      expect(log.lines).toContainEqual(
        expect.objectContaining({
          msg: "created the embedded database",
          obj: expect.objectContaining({ from: "template" }),
        }),
      );
      // Timing-independent evidence: initdb would have made a new identifier and an empty schema.
      expect(systemId(pgdataDir(dataDir))).toBe(systemId(source));
      expect(await migrate(storage)).toEqual([]);
      await storage.query(
        "insert into users (id, email, name, created_at) values ('u1', 'a@example.com', 'A', now())",
      );
      expect(
        (await storage.query<{ n: number }>("select count(*)::int as n from users")).rows,
      ).toEqual([{ n: 1 }]);
    } finally {
      await storage.close();
    }
    const read = await readTemplate(template);
    if (!read.ok) throw new Error(read.why);
    // Every file and directory copied was synced before the database opened.
    expect(syncs).toBeGreaterThanOrEqual(read.entries.length);
    const pgdata = pgdataDir(dataDir);
    expect(statSync(pgdata).mode & 0o777).toBe(0o700);
    expect(statSync(join(pgdata, "PG_VERSION")).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir).filter((n) => n.startsWith(".pgdata-new-"))).toEqual([]);
  }, 120_000);

  it("runs initdb when a template made from it does not open, and says so", async () => {
    const broken = join(dir, "broken");
    rmSync(broken, { recursive: true, force: true });
    cpSync(source, broken, { recursive: true });
    writeFileSync(join(broken, "PG_VERSION"), "99\n");
    const brokenTemplate = join(dir, "broken.tar.gz");
    await packTemplate(broken, brokenTemplate, {
      format: 1,
      migrations: migrationPrints(),
      pglite: "test",
    });
    const dataDir = join(dir, "fallback");
    const log = recordingLog();
    const storage = await openPgliteStorage({ dataDir, template: brokenTemplate, log });
    try {
      expect(log.lines.map((l) => [l.level, l.msg, l.obj.from])).toEqual([
        ["info", "created the embedded database", "template"],
        ["error", "the database made from the template does not open: running initdb", undefined],
        ["info", "created the embedded database", "initdb"],
      ]);
      expect(readFileSync(join(pgdataDir(dataDir), "PG_VERSION"), "utf8")).toBe(
        readFileSync(join(source, "PG_VERSION"), "utf8"),
      );
      expect(systemId(pgdataDir(dataDir))).not.toBe(systemId(source));
      expect(await migrate(storage)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await storage.close();
    }
    expect(readdirSync(dataDir).filter((n) => n.startsWith(".pgdata-new-"))).toEqual([]);
  }, 180_000);
});

describe("which template fits", () => {
  const changed = (version: number): Migration[] =>
    MIGRATIONS.map((m) =>
      m.version === version ? { ...m, statements: [...m.statements, "select 1"] } : m,
    );

  it("one whose migrations are all this daemon's, unchanged (newer ones are applied on start)", async () => {
    expect((await readTemplate(template)).ok).toBe(true);
    const next: Migration = { version: 99, name: "later", statements: ["select 1"] };
    expect((await readTemplate(template, [...MIGRATIONS, next])).ok).toBe(true);
  });

  it("not one with a changed or an unknown migration, a missing file or something else", async () => {
    expect(await readTemplate(template, changed(2))).toEqual({
      ok: false,
      why: "the template's migration 2 differs from this one",
    });
    expect(await readTemplate(template, MIGRATIONS.slice(0, 3))).toEqual({
      ok: false,
      why: "the template holds migration 4, unknown here",
    });
    const missing = join(dir, "missing.tar.gz");
    expect(await readTemplate(missing)).toEqual({ ok: false, why: `no template at ${missing}` });
    const junk = join(dir, "junk.tar.gz");
    writeFileSync(junk, "not a template");
    expect(await readTemplate(junk)).toMatchObject({
      ok: false,
      why: expect.stringMatching(/cannot be read/),
    });
  });

  it("the build packs only a directory that was shut down cleanly", async () => {
    const running = join(dir, "running");
    cpSync(source, running, { recursive: true });
    const control = join(running, "global", "pg_control");
    const bytes = readFileSync(control);
    bytes.writeUInt32LE(6, 16); // DBState: in production (what a running or killed instance leaves)
    writeFileSync(control, bytes);
    await expect(
      packTemplate(running, join(dir, "running.tar.gz"), {
        format: 1,
        migrations: migrationPrints(),
        pglite: "test",
      }),
    ).rejects.toThrow(/not shut down cleanly/);
  });

  it("the build makes a new one when the migrations or PGlite changed", async () => {
    expect(await isTemplateCurrent(template, "test")).toBe(true);
    expect(await isTemplateCurrent(template, "0.0.1")).toBe(false);
    expect(await isTemplateCurrent(template, "test", changed(1))).toBe(false);
    const next: Migration = { version: 99, name: "later", statements: ["select 1"] };
    expect(await isTemplateCurrent(template, "test", [...MIGRATIONS, next])).toBe(false);
  });
});
