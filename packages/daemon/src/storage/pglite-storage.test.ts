import { spawn } from "node:child_process";
import fs, { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableNodeFS } from "./durable-node-fs.ts";
import { seedDataDir } from "roster-workspace/test/support/daemon.ts";
import { durableStartParams, SHARED_BUFFERS } from "./pglite-open.ts";
import { openPgliteStorage, pgdataDir } from "./pglite-storage.ts";
import { needsRecoverySync } from "./synced-tree.ts";

const WRITER = fileURLToPath(new URL("./testing/crash-writer.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "roster-pglite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A data directory whose daemon was killed (kill -9) right after committing `rows` rows. */
async function crashedDataDir(rows: number): Promise<string> {
  const dataDir = join(dir, `crashed-${rows}`);
  const child = spawn(process.execPath, ["--import", "tsx", WRITER, dataDir, String(rows)]);
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.on("line", (l) => l === "committed" && resolve());
    child.once("exit", (code) => reject(new Error(`the writer exited (${code})`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  return dataDir;
}

/** Record every write and sync through `fs` to files under `root`, in order. */
function recordFileOps(root: string) {
  const paths = new Map<number, string>();
  const ops: { op: "write" | "sync"; path: string }[] = [];
  const { openSync, writeSync, fsyncSync, fdatasyncSync } = fs;
  const under = (fd: number) => paths.get(fd)?.startsWith(root) ?? false;
  fs.openSync = (path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(path, ...rest);
    paths.set(fd, String(path));
    return fd;
  };
  fs.writeSync = (fd: number, ...rest: unknown[]) => {
    if (under(fd)) ops.push({ op: "write", path: paths.get(fd)! });
    return (writeSync as (...a: unknown[]) => number)(fd, ...rest);
  };
  const sync = (orig: (fd: number) => void) => (fd: number) => {
    orig(fd);
    if (under(fd)) ops.push({ op: "sync", path: paths.get(fd)! });
  };
  fs.fsyncSync = sync(fsyncSync);
  fs.fdatasyncSync = sync(fdatasyncSync);
  return {
    ops,
    restore() {
      Object.assign(fs, { openSync, writeSync, fsyncSync, fdatasyncSync });
    },
  };
}

/** Paths written, then synced after their last write, in `ops` (relative to `root`). */
function syncedAfterWrite(ops: { op: "write" | "sync"; path: string }[], root: string) {
  const done = new Set<string>();
  const pending = new Set<string>();
  for (const o of ops) {
    const path = o.path.slice(root.length);
    if (o.op === "write") {
      pending.add(path);
      done.delete(path);
    } else if (pending.delete(path)) {
      done.add(path);
    }
  }
  return done;
}

describe("the embedded database after kill -9", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await crashedDataDir(25);
  }, 120_000);

  it("recovers every committed row; syncs what Postgres syncs, without syncing every file one by one", async () => {
    expect(needsRecoverySync(pgdataDir(dataDir))).toBe(true);

    // Postgres's own way: every file synced one by one, then whatever recovery wrote.
    const plain = join(dir, "plain");
    cpSync(pgdataDir(dataDir), plain, { recursive: true });
    const before = recordFileOps(plain);
    const { PGlite } = await import("@electric-sql/pglite");
    try {
      const db = await PGlite.create({
        fs: new DurableNodeFS(plain),
        startParams: durableStartParams(PGlite.defaultStartParams),
      });
      await db.close();
    } finally {
      before.restore();
    }

    // Ours: the tree synced in parallel first, then only what recovery changed.
    const copy = join(dir, "recovering");
    cpSync(pgdataDir(dataDir), pgdataDir(copy), { recursive: true });
    const rec = recordFileOps(pgdataDir(copy));
    let storage;
    try {
      storage = await openPgliteStorage({ dataDir: copy });
    } finally {
      rec.restore();
    }
    try {
      const r = await storage.query<{ n: number }>("select count(*)::int as n from crash_rows");
      expect(r.rows[0]!.n).toBe(25);
    } finally {
      await storage.close();
    }
    expect(needsRecoverySync(pgdataDir(copy))).toBe(false); // closed cleanly

    // Every file Postgres wrote and then synced while recovering is synced after its writes here too.
    const theirs = syncedAfterWrite(before.ops, plain);
    const ours = syncedAfterWrite(rec.ops, pgdataDir(copy));
    expect(theirs.size).toBeGreaterThan(0);
    for (const path of theirs)
      expect(ours, `${path} not synced after recovery wrote it`).toContain(path);
    // Postgres alone syncs each of the ~1,000 files one by one; here it synced only what it changed.
    const count = (ops: { op: string }[]) => ops.filter((o) => o.op === "sync").length;
    expect(count(before.ops)).toBeGreaterThan(500);
    expect(count(rec.ops)).toBeLessThan(count(before.ops) / 5);
  }, 120_000);
});

describe("the embedded database's settings", () => {
  it("runs with fsync on, synchronous commits and the small buffer cache", async () => {
    const dataDir = join(dir, "settings");
    await seedDataDir(dataDir);
    const storage = await openPgliteStorage({ dataDir });
    try {
      const show = async (name: string) =>
        (await storage.query<Record<string, string>>(`show ${name}`)).rows[0]![name];
      expect(await show("fsync")).toBe("on");
      expect(await show("synchronous_commit")).toBe("on");
      expect(await show("shared_buffers")).toBe(SHARED_BUFFERS);
    } finally {
      await storage.close();
    }
  }, 60_000);
});
