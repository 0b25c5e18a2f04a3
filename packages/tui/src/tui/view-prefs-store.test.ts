import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SORT } from "@roster/core";
import { ViewPrefsStore, viewPrefsPath } from "./view-prefs-store.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "roster-prefs-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ViewPrefsStore", () => {
  it("defaults without a file, keeps the last sort written, privately", async () => {
    const store = new ViewPrefsStore(viewPrefsPath(dir));
    expect(await store.loadSort()).toEqual(DEFAULT_SORT);
    void store.saveSort({ ...DEFAULT_SORT, members: { column: "name", reverse: false } });
    await store.saveSort({
      members: { column: "joined", reverse: true },
      invites: { column: "delivery", reverse: false },
    });
    const again = new ViewPrefsStore(viewPrefsPath(dir));
    expect(await again.loadSort()).toEqual({
      members: { column: "joined", reverse: true },
      invites: { column: "delivery", reverse: false },
    });
    expect((await stat(viewPrefsPath(dir))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(viewPrefsPath(dir), "utf8"))).toHaveProperty("sort");
  });

  it("a damaged file, or an unknown column, gives the defaults", async () => {
    const store = new ViewPrefsStore(viewPrefsPath(dir));
    await store.saveSort(DEFAULT_SORT);
    await writeFile(viewPrefsPath(dir), "{not json");
    expect(await store.loadSort()).toEqual(DEFAULT_SORT);
    await writeFile(
      viewPrefsPath(dir),
      JSON.stringify({ sort: { members: { column: "delivery" }, invites: { column: "status" } } }),
    );
    expect(await store.loadSort()).toEqual({
      members: DEFAULT_SORT.members,
      invites: { column: "status", reverse: false },
    });
  });
});
