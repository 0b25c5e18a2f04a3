/**
 * The daemon as a real process (SPEC §7): data survives a restart, an
 * acknowledged change survives kill -9, a second daemon on the same data
 * directory refuses to start and names the first, a dead daemon's stale
 * lock is taken over, SIGTERM stops cleanly and releases the lock.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invite } from "@roster/core";
import {
  DAEMON_MAIN,
  DaemonExitedError,
  daemonEnv,
  REPO_ROOT,
  startTestDaemon,
  tempDir,
  type OrgSetup,
  type TestDaemon,
} from "./support/daemon.ts";

let d: TestDaemon;
let o: OrgSetup;
const lockPath = () => join(d.dataDir, "daemon.lock");
const readLock = () =>
  JSON.parse(readFileSync(lockPath(), "utf8")) as { pid: number; url?: string; port?: number };

beforeAll(async () => {
  d = await startTestDaemon();
  o = await d.setupOrg({ org: "Durable", email: "ops@example.com" });
});
afterAll(async () => {
  await d?.cleanup();
});

describe("daemon process", () => {
  it("holds a lock file naming its pid and URL", () => {
    expect(readLock()).toMatchObject({ pid: d.pid, url: d.url, port: d.port });
  });

  it("keeps its data across a clean restart; SIGTERM exits 0 and releases the lock", async () => {
    const inv = await d.client(o.token).createInvite(o.orgID, { email: "kept@example.com" });
    expect(await d.stop()).toBe(0);
    expect(existsSync(lockPath())).toBe(false);
    await d.restart();
    const c = d.client(o.token);
    expect(await c.me()).toMatchObject({ email: "ops@example.com" });
    const list = await c.listInvites(o.orgID);
    expect(list.invites.map((i) => i.id)).toContain(inv.id);
    const log = await c.changes(o.orgID, 0);
    expect(
      log.changes.filter((x) => x.change.type !== "invite.delivery").map((x) => x.change.type),
    ).toEqual(["member.added", "invite.created"]);
  });

  it("a second daemon on the same data directory refuses to start and names the running one", async () => {
    const before = await d.client(o.token).changes(o.orgID, 0);
    const err = await startTestDaemon({ dataDir: d.dataDir, timeoutMs: 30_000 }).then(
      () => {
        throw new Error("the second daemon started");
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DaemonExitedError);
    const { code, output } = err as DaemonExitedError;
    expect(code).toBe(1);
    expect(output).toContain(`pid ${d.pid}`);
    expect(output).toContain(d.url);
    expect(output).toContain(d.dataDir);
    // The first daemon is untouched and still owns the directory.
    expect(readLock().pid).toBe(d.pid);
    expect(await d.client(o.token).changes(o.orgID, 0)).toEqual(before);
  });

  it("every acknowledged change survives kill -9, and the dead daemon's stale lock is taken over", async () => {
    const c = d.client(o.token);
    const acked: Invite[] = [];
    let killed = false;
    const inflight = Array.from({ length: 40 }, (_, i) =>
      c.createInvite(o.orgID, { email: `k${i}@example.com` }).then(
        (inv) => {
          if (!killed) acked.push(inv);
        },
        () => undefined,
      ),
    );
    // Kill while requests are still being answered.
    while (acked.length < 10) await new Promise((r) => setTimeout(r, 5));
    const deadPid = d.pid;
    killed = true;
    await d.kill();
    await Promise.all(inflight);
    expect(acked.length).toBeGreaterThanOrEqual(10);
    expect(readLock().pid).toBe(deadPid); // left behind by the killed process

    await d.restart();
    expect(readLock()).toMatchObject({ pid: d.pid, url: d.url });
    expect(d.pid).not.toBe(deadPid);
    const after = await d.client(o.token).listInvites(o.orgID, "all");
    const ids = new Set(after.invites.map((i) => i.id));
    for (const inv of acked) expect(ids.has(inv.id)).toBe(true);
    // Versions are still gapless: one per committed change.
    const log = await d.client(o.token).changes(o.orgID, 0);
    expect(log.changes.map((x) => x.version)).toEqual(
      Array.from({ length: log.version }, (_, i) => i + 1),
    );
    const created = log.changes.filter((x) => x.change.type === "invite.created");
    expect(created.length).toBe(after.invites.length);
  });
});

describe("daemon command line", () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", DAEMON_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: daemonEnv(),
      encoding: "utf8",
      timeout: 30_000,
    });

  it("--help prints the options and exits 0; a bad flag is a usage error (exit 2)", () => {
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--data-dir");
    expect(help.stdout).toContain("--database-url");
    const bad = run(["--port", "not-a-port"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--port");
    const unknown = run(["--frobnicate"]);
    expect(unknown.status).toBe(2);
  });

  it("a busy port fails fast, before a data directory is created or a database opened", async () => {
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, "127.0.0.1", res));
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = join(tempDir(), "never-created");
    try {
      const started = Date.now();
      const r = run(["--port", String(port), "--data-dir", dataDir]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `roster daemon: port ${port} on 127.0.0.1 is already in use (another daemon?). Use --port.`,
      );
      expect(existsSync(dataDir)).toBe(false);
      // No database was initialised (that alone takes seconds).
      expect(r.stdout).not.toContain("database migrated");
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await new Promise((res) => blocker.close(res));
      rmSync(dirname(dataDir), { recursive: true, force: true });
    }
  });

  it("the port of a running daemon on the same data directory: the message names that daemon", () => {
    const r = run(["--port", String(d.port), "--data-dir", d.dataDir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`pid ${d.pid}`);
    expect(r.stderr).toContain(d.url);
    expect(readLock().pid).toBe(d.pid);
  });
});
