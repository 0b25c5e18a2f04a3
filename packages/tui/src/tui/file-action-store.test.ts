import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { PendingAction } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileActionStore, queueFilePath } from "./file-action-store.ts";

const action = (id: string, email: string): PendingAction => ({
  id,
  orgID: "org1",
  actorID: "usr1",
  kind: { type: "invite", email, role: "owner" },
  submittedAt: 1_700_000_000_000,
  baseVersion: 3,
  state: "queued",
  attempts: 1,
});

describe("FileActionStore", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "roster-queue-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("has one file per daemon URL and org", () => {
    const a = queueFilePath(dir, "http://127.0.0.1:8086", "org1");
    expect(queueFilePath(dir, "http://127.0.0.1:8086/", "org1")).toBe(a);
    expect(queueFilePath(dir, "http://127.0.0.1:8087", "org1")).not.toBe(a);
    expect(queueFilePath(dir, "http://127.0.0.1:8086", "org2")).not.toBe(a);
    expect(a.startsWith(join(dir, "queue"))).toBe(true);
  });

  it("loads nothing before the first save, then what was saved last (a new store reads it back)", async () => {
    const path = queueFilePath(dir, "http://x", "org1");
    const store = new FileActionStore(path);
    expect(await store.load()).toEqual([]);
    void store.save([action("a1", "one@example.com")]);
    void store.save([action("a1", "one@example.com"), action("a2", "two@example.com")]);
    await store.save([action("a2", "two@example.com")]);
    const again = new FileActionStore(path);
    expect(await again.load()).toEqual([action("a2", "two@example.com")]);
    // No temporary files are left behind.
    expect(await readdir(join(dir, "queue"))).toEqual([basename(path)]);
    expect(JSON.parse(await readFile(path, "utf8")).version).toBe(1);
  });

  it("ignores a corrupt file and entries that are not actions", async () => {
    const path = queueFilePath(dir, "http://y", "org1");
    const store = new FileActionStore(path);
    await store.save([action("b1", "b@example.com")]);
    await writeFile(path, "{not json");
    expect(await store.load()).toEqual([]);
    await writeFile(
      path,
      JSON.stringify({ version: 1, actions: [{ id: "junk" }, action("b2", "c@example.com")] }),
    );
    expect((await store.load()).map((a) => a.id)).toEqual(["b2"]);
  });
});
