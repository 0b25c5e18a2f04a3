import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { SavedSnapshot } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSnapshotStore, snapshotFilePath } from "./file-snapshot-store.ts";

const URL = "http://127.0.0.1:8086";
const snapshot = (version: number): SavedSnapshot => ({
  orgID: "org1",
  version,
  org: { id: "org1", name: "Org", createdAt: "2025-01-01T00:00:00.000Z" },
  members: [
    {
      userID: "usr1",
      email: "owner@example.com",
      name: "Olive",
      role: "owner",
      joinedAt: "2025-01-01T00:00:00.000Z",
    },
  ],
  invites: [],
  at: 1_700_000_000_000,
});

describe("FileSnapshotStore", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "roster-lists-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("has one file per daemon URL and org", () => {
    const a = snapshotFilePath(dir, URL, "org1");
    expect(snapshotFilePath(dir, `${URL}/`, "org1")).toBe(a);
    expect(snapshotFilePath(dir, URL, "org2")).not.toBe(a);
    expect(snapshotFilePath(dir, "http://127.0.0.1:9999", "org1")).not.toBe(a);
  });

  it("loads nothing before the first save, then the latest save (0600, no temporary files left)", async () => {
    const path = snapshotFilePath(dir, URL, "org1");
    const store = new FileSnapshotStore(path, URL, "org1");
    expect(await store.load()).toBeUndefined();
    void store.save(snapshot(3));
    await store.save(snapshot(4));
    expect(await new FileSnapshotStore(path, `${URL}/`, "org1").load()).toEqual(snapshot(4));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, "lists"))).toEqual([basename(path)]);
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ url: URL });
  });

  it("ignores a corrupt file, a file of another org or daemon; clear() deletes it", async () => {
    const path = snapshotFilePath(dir, URL, "org3");
    const store = new FileSnapshotStore(path, URL, "org3");
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "{ not json");
    expect(await store.load()).toBeUndefined();
    await writeFile(path, JSON.stringify({ url: URL, snapshot: snapshot(5) })); // orgID org1
    expect(await store.load()).toBeUndefined();
    await writeFile(
      path,
      JSON.stringify({ url: "http://elsewhere", snapshot: { ...snapshot(5), orgID: "org3" } }),
    );
    expect(await store.load()).toBeUndefined();
    await store.save({ ...snapshot(6), orgID: "org3" });
    expect((await store.load())?.version).toBe(6);
    await store.clear();
    expect(await store.load()).toBeUndefined();
    await store.clear(); // nothing to delete is fine
  });
});
