/**
 * SPEC §7, a full disk: a change that needs room answers 503 with a clear
 * message and changes nothing, and the daemon carries on by itself once there
 * is room again — also when the WAL itself cannot be written (Postgres PANICs;
 * the embedded database is reopened with crash recovery, in the same process).
 *
 * Simulated in a real daemon process by a preload (support/full-disk-preload.mjs:
 * writes that would grow a file fail with ENOSPC, or all writes do, as on a
 * full copy-on-write filesystem); and on a real, filled tmpfs where this
 * machine lets the test mount one (root on Linux).
 */
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  http,
  REPO_ROOT,
  startTestDaemon,
  tempDir,
  type OrgSetup,
  type TestDaemon,
} from "./support/daemon.ts";
import { fillDisk, mountTmpfs, unmount } from "./support/tmpfs.ts";
import { waitUntil } from "./support/until.ts";

/** Create orgs until one is refused; returns that refusal and the names that were created. */
async function createOrgsUntilRefused(d: TestDaemon, o: OrgSetup, prefix: string) {
  const created: string[] = [];
  for (let i = 0; i < 400; i++) {
    const name = `${prefix} ${i}`;
    const r = await http(d.url, "POST", "/api/v2/orgs", { token: o.token, json: { name } });
    if (r.status !== 201) return { refused: r, name, created };
    created.push(name);
  }
  throw new Error("no write was refused on a full disk");
}

function expectDiskFull(r: { status: number; body: { code?: string; message?: string } }) {
  expect(r.status).toBe(503);
  expect(r.body.code).toBe("unavailable");
  expect(r.body.message).toMatch(
    /^The disk is full: the daemon cannot save changes right now, and this request changed nothing\. Free some space on the disk holding \S+; the daemon carries on by itself once there is room\.$/,
  );
}

async function orgNames(d: TestDaemon, o: OrgSetup): Promise<string[]> {
  return (await d.client(o.token).listOrgs()).orgs.map((x) => x.name);
}

/** The org's change log is gapless: one version per committed change. */
async function expectGapless(d: TestDaemon, o: OrgSetup) {
  const log = await d.client(o.token).changes(o.orgID, 0);
  expect(log.changes.map((x) => x.version)).toEqual(
    Array.from({ length: log.version }, (_, i) => i + 1),
  );
}

describe("a full disk (simulated in the daemon process)", () => {
  const dataDir = tempDir();
  const flag = join(tempDir("roster-full-flag-"), "full");
  let d: TestDaemon;
  let o: OrgSetup;
  const disk = (mode: "grow" | "all" | "free") =>
    mode === "free" ? rmSync(flag, { force: true }) : writeFileSync(flag, mode);
  beforeAll(async () => {
    d = await startTestDaemon({
      dataDir,
      env: {
        NODE_OPTIONS: `--import=${join(REPO_ROOT, "test/support/full-disk-preload.mjs")}`,
        ROSTER_FULL_DISK_DIR: dataDir,
        ROSTER_FULL_DISK_FLAG: flag,
      },
    });
    o = await d.setupOrg({ org: "Full", email: "full@example.com" });
  });
  afterAll(async () => {
    await d?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(flag, ".."), { recursive: true, force: true });
  });

  it("a change that needs room answers 503, changes nothing, and succeeds once there is room", async () => {
    const before = await orgNames(d, o);
    disk("grow");
    const { refused, name, created } = await createOrgsUntilRefused(d, o, "Grow");
    expectDiskFull(refused);
    // Reads still work, and the refused org is nowhere.
    expect(await orgNames(d, o)).toEqual([...before, ...created]);
    disk("free");
    const again = await http(d.url, "POST", "/api/v2/orgs", { token: o.token, json: { name } });
    expect(again.status).toBe(201);
    expect(await orgNames(d, o)).toEqual([...before, ...created, name]);
  });

  it("a WAL that cannot be written: 503 while full, then the database is reopened and recovers", async () => {
    const c = d.client(o.token);
    const pid = d.pid;
    const kept = await c.createInvite(o.orgID, { email: "kept@example.com" });
    disk("all");
    const refused = await http(d.url, "POST", `/api/v2/orgs/${o.orgID}/invites`, {
      token: o.token,
      json: { email: "lost@example.com" },
    });
    expectDiskFull(refused);
    // Still full: the database cannot be reopened yet (recovery writes), every request
    // that needs it says why…
    const meanwhile = await http(d.url, "GET", "/api/v2/tokens", { token: o.token });
    expectDiskFull(meanwhile);
    // …while what this daemon answers from memory (its token, already seen) still works:
    // nothing can have changed, since nothing can commit.
    expect((await http(d.url, "GET", "/api/v2/me", { token: o.token })).status).toBe(200);
    disk("free");
    const after = await waitUntil(
      "the daemon to take changes again",
      () => c.createInvite(o.orgID, { email: "after@example.com" }),
      { ignoreErrors: true, daemon: d },
    );
    expect(d.pid).toBe(pid); // recovered in the same process
    expect(d.output()).toContain("embedded database reopened");
    const emails = (await c.listInvites(o.orgID, "all")).invites.map((i) => i.email);
    expect(emails).toEqual(expect.arrayContaining([kept.email, after.email]));
    expect(emails).not.toContain("lost@example.com");
    await expectGapless(d, o);
  });
});

const mountPoint = tempDir("roster-tmpfs-");
const mounted = mountTmpfs(mountPoint, 96);
afterAll(() => {
  if (mounted) unmount(mountPoint);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(!mounted)("a really full disk (a 96 MB tmpfs, filled)", () => {
  const dataDir = join(mountPoint, "data");
  let d: TestDaemon;
  let o: OrgSetup;
  beforeAll(async () => {
    mkdirSync(dataDir);
    d = await startTestDaemon({ dataDir });
    o = await d.setupOrg({ org: "Tmpfs", email: "tmpfs@example.com" });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it("a change refused for lack of space answers 503 and changes nothing; once space returns, it succeeds", async () => {
    const before = await orgNames(d, o);
    const filler = fillDisk(mountPoint);
    const { refused, name, created } = await createOrgsUntilRefused(d, o, "Tmpfs");
    expectDiskFull(refused);
    expect(await orgNames(d, o)).toEqual([...before, ...created]);
    unlinkSync(filler);
    const again = await waitUntil("the org to be created", async () => {
      const r = await http(d.url, "POST", "/api/v2/orgs", { token: o.token, json: { name } });
      return r.status === 201 ? r : undefined;
    });
    expect(again.status).toBe(201);
    expect(await orgNames(d, o)).toEqual([...before, ...created, name]);
  });
});
