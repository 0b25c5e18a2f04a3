import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE } from "./data-dir-lock.ts";

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "roster-lock-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid that surely belongs to no running process: one that just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

describe("data directory lock", () => {
  it("writes pid and host, records the URL, and is removed on release", () => {
    const d = dir();
    const lock = acquireDataDirLock(d);
    const path = join(d, LOCK_FILE);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    lock.update({ port: 1234, url: "http://127.0.0.1:1234" });
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({
      port: 1234,
      url: "http://127.0.0.1:1234",
    });
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release(); // idempotent
    expect(readdirSync(d)).toEqual([]);
  });

  it("refuses a second holder while the first lives, naming it", () => {
    const d = dir();
    const first = acquireDataDirLock(d);
    first.update({ port: 8086, url: "http://127.0.0.1:8086" });
    let err: unknown;
    try {
      acquireDataDirLock(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).holder).toMatchObject({
      pid: process.pid,
      url: "http://127.0.0.1:8086",
    });
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect((err as Error).message).toContain("http://127.0.0.1:8086");
    first.release();
    acquireDataDirLock(d).release();
  });

  it("refuses a lock held by another live process", () => {
    const d = dir();
    // pid 1 is alive (and not ours).
    writeFileSync(
      join(d, LOCK_FILE),
      JSON.stringify({ pid: 1, host: hostname(), startedAt: "x", nonce: "n" }),
    );
    expect(() => acquireDataDirLock(d)).toThrow(/pid 1 on/);
  });

  it("refuses a lock from another host (its process cannot be checked)", () => {
    const d = dir();
    writeFileSync(
      join(d, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), host: "elsewhere", startedAt: "x", nonce: "n" }),
    );
    expect(() => acquireDataDirLock(d)).toThrow(DataDirLockedError);
  });

  it("takes over the stale lock of a dead process", () => {
    const d = dir();
    const pid = deadPid();
    writeFileSync(
      join(d, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), startedAt: "x", nonce: "old" }),
    );
    const lock = acquireDataDirLock(d);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), "utf8"))).toMatchObject({
      pid: process.pid,
    });
    expect(lock.info.nonce).not.toBe("old");
    lock.release();
    expect(readdirSync(d)).toEqual([]);
  });

  it("treats an unreadable lock file as held", () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), "garbage");
    expect(() => acquireDataDirLock(d)).toThrow(/unreadable/);
  });

  it("release does not remove someone else's lock", () => {
    const d = dir();
    const lock = acquireDataDirLock(d);
    writeFileSync(
      join(d, LOCK_FILE),
      JSON.stringify({ pid: 1, host: hostname(), startedAt: "x", nonce: "theirs" }),
    );
    lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
  });
});
