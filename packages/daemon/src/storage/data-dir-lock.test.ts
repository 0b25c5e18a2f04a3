import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  acquireDataDirLock,
  DataDirLockedError,
  LOCK_FILE,
  lockHolderError,
  readLock,
  type DataDirLock,
  type LockInfo,
} from "./data-dir-lock.ts";

const HOLDER = fileURLToPath(new URL("./testing/lock-holder.ts", import.meta.url));

const dirs: string[] = [];
const children: ChildProcess[] = [];
const locks: DataDirLock[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "roster-lock-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const l of locks.splice(0)) await l.release();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function acquire(d: string): Promise<DataDirLock> {
  const lock = await acquireDataDirLock(d);
  locks.push(lock);
  return lock;
}

async function refusal(d: string): Promise<DataDirLockedError> {
  const err = await acquireDataDirLock(d).then(
    (l) => {
      locks.push(l);
      throw new Error("the lock was taken");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataDirLockedError);
  return err as DataDirLockedError;
}

interface Holder {
  child: ChildProcess;
  /** Resolves with the process's answer once told "go". */
  go(): Promise<{ held: LockInfo } | { refused: string }>;
  exited: Promise<void>;
}

/** A lock-holder process (optionally in its own pid namespace); resolves once it is ready. */
function holder(
  d: string,
  { namespace = false, record }: { namespace?: boolean; record?: object } = {},
) {
  const args = ["--import", "tsx", HOLDER, d, ...(record ? [JSON.stringify(record)] : [])];
  const child = namespace
    ? spawn("unshare", ["--pid", "--fork", "--mount-proc", process.execPath, ...args])
    : spawn(process.execPath, args);
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise<string>((res) => lines.once("line", res));
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  return next().then((ready): Holder => {
    expect(ready).toBe("ready");
    return {
      child,
      exited,
      go() {
        const answer = next();
        child.stdin.write("go\n");
        return answer.then((line) =>
          line.startsWith("held ")
            ? { held: JSON.parse(line.slice(5)) as LockInfo }
            : { refused: line.slice(8) },
        );
      },
    };
  });
}

/** A data directory whose lock was held by a process that was then killed (kill -9). */
async function staleLock(d: string): Promise<LockInfo> {
  const h = await holder(d);
  const answer = await h.go();
  if (!("held" in answer)) throw new Error(answer.refused);
  h.child.kill("SIGKILL");
  await h.exited;
  return answer.held;
}

function rewriteLockFile(d: string, patch: Partial<LockInfo>) {
  const path = join(d, LOCK_FILE);
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), ...patch }));
}

const canUnshare =
  process.platform === "linux" &&
  spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

describe("data directory lock", () => {
  it("records pid, host, start and socket; the URL once known; daemon.lock goes on release", async () => {
    const d = dir();
    const lock = await acquireDataDirLock(d);
    const path = join(d, LOCK_FILE);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({
      pid: process.pid,
      host: hostname(),
      socket: "daemon.1.sock",
    });
    expect(readLock(path)).toMatchObject({ pid: process.pid, startedAt: lock.info.startedAt });
    lock.update({ port: 1234, url: "http://127.0.0.1:1234" });
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({
      port: 1234,
      url: "http://127.0.0.1:1234",
    });
    // Only the owner of the data directory may connect to the socket (the admin channel).
    expect(statSync(join(d, "daemon.1.sock")).mode & 0o777).toBe(0o600);
    await lock.release();
    expect(existsSync(path)).toBe(false);
    await lock.release(); // idempotent
    // The generation's name stays, as a plain file (a copy of the directory needs no socket):
    // the next holder takes the generation after it.
    expect(readdirSync(d)).toEqual(["daemon.1.sock"]);
    expect(statSync(join(d, "daemon.1.sock")).isFile()).toBe(true);
    cpSync(d, `${d}-copy`, { recursive: true });
    dirs.push(`${d}-copy`);
    const again = await acquire(d);
    expect(again.info.socket).toBe("daemon.2.sock");
    expect(readdirSync(d).sort()).toEqual(["daemon.2.sock", LOCK_FILE]);
  });

  it("refuses a second holder while the first lives, naming it", async () => {
    const d = dir();
    const first = await acquire(d);
    first.update({ port: 8086, url: "http://127.0.0.1:8086" });
    const err = await refusal(d);
    expect(err.holder).toMatchObject({ pid: process.pid, url: "http://127.0.0.1:8086" });
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toContain("http://127.0.0.1:8086");
    expect((await lockHolderError(d))?.message).toBe(err.message);
    await first.release();
    expect(await lockHolderError(d)).toBeUndefined();
    await acquire(d);
  });

  it("takes over the stale lock of a killed holder", async () => {
    const d = dir();
    const dead = await staleLock(d);
    expect(readLock(join(d, LOCK_FILE))).toMatchObject({ pid: dead.pid }); // left behind
    expect(await lockHolderError(d)).toBeUndefined();
    const lock = await acquire(d);
    expect(readLock(join(d, LOCK_FILE))).toMatchObject({
      pid: process.pid,
      nonce: lock.info.nonce,
    });
    expect(readdirSync(d).sort()).toEqual(["daemon.2.sock", LOCK_FILE]);
  });

  it("a reused pid does not fool it: a stale lock naming a live process is taken over", async () => {
    const d = dir();
    await staleLock(d);
    // The dead holder's pid now belongs to a live process (here: this one, and pid 1).
    rewriteLockFile(d, { pid: process.pid });
    await (await acquire(d)).release();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), startedAt: "x" }));
    await acquire(d);
  });

  it("a changed host name does not fool it: another host's stale lock is taken over, a live one is not", async () => {
    const d = dir();
    await staleLock(d);
    rewriteLockFile(d, { host: "old-container" });
    await (await acquire(d)).release();

    const live = await holder(d, { record: { url: "http://10.0.0.2:8086" } });
    expect(await live.go()).toHaveProperty("held");
    rewriteLockFile(d, { host: "elsewhere" });
    const err = await refusal(d);
    expect(err.message).toContain("http://10.0.0.2:8086");
  });

  it.skipIf(!canUnshare)(
    "a live holder in another pid namespace is seen (its pid means nothing here)",
    async () => {
      const d = dir();
      const other = await holder(d, { namespace: true, record: { url: "http://10.0.0.3:8086" } });
      const answer = await other.go();
      expect(answer).toHaveProperty("held");
      const pidThere = (answer as { held: LockInfo }).held.pid;
      expect(pidThere).toBeLessThan(10); // pid 1 or so in its own namespace
      const err = await refusal(d);
      expect(err.holder).toMatchObject({ pid: pidThere, url: "http://10.0.0.3:8086" });
    },
  );

  it("a live holder whose lock file names a dead pid is seen (pid namespaces simulated)", async () => {
    const d = dir();
    const { pid: deadPid } = await staleLock(d);
    const live = await holder(d, { record: { url: "http://10.0.0.4:8086" } });
    expect(await live.go()).toHaveProperty("held");
    rewriteLockFile(d, { pid: deadPid });
    const err = await refusal(d);
    // Asked over its socket, the holder names itself, whatever the file says.
    expect(err.holder?.url).toBe("http://10.0.0.4:8086");
  });

  it("of several racing starters, exactly one takes the lock (on a fresh and on a stale directory)", async () => {
    for (const stale of [false, true]) {
      const d = dir();
      if (stale) await staleLock(d);
      const racers = await Promise.all(Array.from({ length: 5 }, () => holder(d)));
      const answers = await Promise.all(racers.map((r) => r.go()));
      const winners = answers.filter((a) => "held" in a);
      expect(winners).toHaveLength(1);
      for (const a of answers) {
        if ("refused" in a) expect(a.refused).toContain("Another Roster daemon is already using");
      }
      // In one process too.
      for (const r of racers) r.child.kill("SIGKILL");
      await Promise.all(racers.map((r) => r.exited));
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => acquireDataDirLock(d)),
      );
      const held = results.filter((r) => r.status === "fulfilled");
      expect(held).toHaveLength(1);
      locks.push((held[0] as PromiseFulfilledResult<DataDirLock>).value);
    }
    // Ten child processes in all: generous on a loaded 2-core machine.
  }, 90_000);

  it("an unreadable daemon.lock with no live socket does not block", async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), "garbage");
    await acquire(d);
  });

  it.skipIf(process.platform !== "linux")(
    "works in a data directory whose path is too long for a socket address",
    async () => {
      const d = join(dir(), "x".repeat(60), "y".repeat(60));
      mkdirSync(d, { recursive: true });
      const first = await acquire(d);
      expect(first.info.socket).toBe("daemon.1.sock");
      await refusal(d);
    },
  );
});
