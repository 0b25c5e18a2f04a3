import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDataDir, tempDir } from "roster-workspace/test/support/daemon.ts";
import { migrate, MIGRATIONS, type Migration } from "./migrations.ts";
import { openPgliteStorage } from "./pglite-storage.ts";
import type { Storage } from "./storage.ts";

let dir: string;
let storage: Storage;

beforeAll(async () => {
  dir = tempDir();
  await seedDataDir(dir);
  storage = await openPgliteStorage({ dataDir: dir });
});
afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

const table = (version: number): Migration => ({
  version,
  name: `test ${version}`,
  statements: [`create table migration_test_${version} (id int)`],
});

describe("migrations apply by version", () => {
  it("the database is at every version of the list", async () => {
    expect(await migrate(storage)).toEqual([]);
    const r = await storage.query<{ version: number }>("select version from schema_migrations");
    expect(r.rows.map((row) => Number(row.version)).sort()).toEqual(
      MIGRATIONS.map((m) => m.version).sort(),
    );
  });

  it("a gap in the list is fine, and a version that appears in it later is applied", async () => {
    // One branch has 101 and 103; another adds 102; merged, the database gets 102.
    expect(await migrate(storage, [...MIGRATIONS, table(101), table(103)])).toEqual([101, 103]);
    expect(await migrate(storage, [...MIGRATIONS, table(101), table(103)])).toEqual([]);
    expect(await migrate(storage, [...MIGRATIONS, table(101), table(102), table(103)])).toEqual([
      102,
    ]);
    const t = await storage.query<{ exists: boolean }>(
      "select to_regclass('migration_test_102') is not null as exists",
    );
    expect(t.rows[0]?.exists).toBe(true);
  });
});
