import { rmSync } from "node:fs";
import type { ChangeEntry } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDataDir, tempDir } from "roster-workspace/test/support/daemon.ts";
import { ChangeFeed } from "./change-feed.ts";
import { RosterService } from "./service/service.ts";
import { reportingCommits } from "./storage/committed-changes.ts";
import { migrate } from "./storage/migrations.ts";
import { openPgliteStorage } from "./storage/pglite-storage.ts";
import type { Storage } from "./storage/storage.ts";

let dir: string;
let storage: Storage;
let service: RosterService;
let caller: { userID: string; email: string };
let orgA: string;

beforeAll(async () => {
  dir = tempDir();
  await seedDataDir(dir);
  storage = await openPgliteStorage({ dataDir: dir });
  expect(await migrate(storage)).toEqual([]); // the template is up to date: nothing to run
  service = new RosterService(storage, { limits: { resendIntervalS: 0 } });
  const s = await service.setup({ org: "A", email: "feed@example.com" });
  caller = { userID: s.user.id, email: s.user.email };
  orgA = s.org.id;
});
afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

function collect(feed: ChangeFeed) {
  const got: Array<[string, ChangeEntry]> = [];
  const off = feed.subscribe((orgID, entry) => got.push([orgID, entry]));
  return { got, off };
}

describe("ChangeFeed", () => {
  it("delivers each committed entry once, in version order per org, and not those from before it started", async () => {
    const feed = await ChangeFeed.start(storage);
    const { got } = collect(feed);
    const orgB = (await service.createOrg(caller, "B")).org.id;
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) =>
        service.createInvite(caller, orgA, { email: `a${i}@example.com` }),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        service.createInvite(caller, orgB, { email: `b${i}@example.com` }),
      ),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    await feed.idle();
    const a = got.filter(([o]) => o === orgA).map(([, e]) => e.version);
    const b = got.filter(([o]) => o === orgB).map(([, e]) => e.version);
    expect(a).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // version 1 was committed before the feed started
    expect(b).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    const log = await service.changes(orgA, 1);
    expect(got.filter(([o]) => o === orgA).map(([, e]) => e)).toEqual(log.changes);
    expect(feed.deliveredVersion(orgA)).toBe(11);
    await feed.close();
  });

  it("keeps delivering to others when one subscriber throws; unsubscribe stops delivery", async () => {
    const errors: unknown[] = [];
    const feed = await ChangeFeed.start(storage, { onError: (e) => errors.push(e) });
    feed.subscribe(() => {
      throw new Error("bad subscriber");
    });
    const { got, off } = collect(feed);
    await service.createInvite(caller, orgA, { email: "t1@example.com" });
    await new Promise((r) => setTimeout(r, 50));
    await feed.idle();
    expect(got).toHaveLength(1);
    expect(errors).toHaveLength(1);
    off();
    await service.createInvite(caller, orgA, { email: "t2@example.com" });
    await new Promise((r) => setTimeout(r, 50));
    await feed.idle();
    expect(got).toHaveLength(1);
    await feed.close();
  });

  it("a poke ahead of the log is harmless; a poke of a committed version delivers it once", async () => {
    const feed = await ChangeFeed.start(storage);
    const { got } = collect(feed);
    feed.poke(orgA, 10_000);
    await feed.idle();
    const { entry } = await service.createInvite(caller, orgA, { email: "poke@example.com" });
    feed.poke(orgA, entry.version);
    feed.poke(orgA, entry.version);
    await new Promise((r) => setTimeout(r, 50));
    await feed.idle();
    expect(got.map(([, e]) => e.version)).toEqual([entry.version]);
    await feed.close();
  });

  it("delivers this process's own commits without reading them back, in order with others' (read from the log), and nothing of a rolled-back transaction", async () => {
    let logReads = 0;
    const counted: Storage = {
      ...storage,
      kind: storage.kind,
      query: (text, params) => {
        if (/from changes/.test(text)) logReads++;
        return storage.query(text, params);
      },
      transaction: (fn) => storage.transaction(fn),
      listen: (c, fn, o) => storage.listen(c, fn, o),
      close: () => storage.close(),
    };
    const feed = await ChangeFeed.start(counted);
    const { got } = collect(feed);
    const mine = new RosterService(
      reportingCommits(storage, (orgID, entry) => feed.publish(orgID, entry)),
      { limits: { resendIntervalS: 0 } },
    );
    const start = feed.deliveredVersion(orgA);

    // Ours: delivered before the command returns, no read of the log.
    const { entry } = await mine.createInvite(caller, orgA, { email: "own1@example.com" });
    expect(feed.deliveredVersion(orgA)).toBe(entry.version);
    expect(got.map(([, e]) => e.version)).toEqual([start + 1]);
    expect(logReads).toBe(0);

    // Another process's commit (not reported) then ours: the other one is read, ours is not.
    const other = await service.createInvite(caller, orgA, { email: "other@example.com" });
    const own2 = await mine.createInvite(caller, orgA, { email: "own2@example.com" });
    await new Promise((r) => setTimeout(r, 50));
    await feed.idle();
    expect(got.map(([, e]) => e.version)).toEqual([
      start + 1,
      other.entry.version,
      own2.entry.version,
    ]);
    expect(logReads).toBe(1);

    // A refused command rolls back: nothing reported, nothing delivered.
    await expect(mine.createInvite(caller, orgA, { email: "own2@example.com" })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    await feed.idle();
    expect(got).toHaveLength(3);

    // What was delivered is what the log holds.
    const log = await service.changes(orgA, start);
    expect(got.map(([, e]) => e)).toEqual(log.changes);
    await feed.close();
  });
});
