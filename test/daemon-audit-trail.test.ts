/**
 * The change log is the audit trail (R12): GET …/changes says who made each
 * change (user id and email; null for the daemon's own delivery reports) and
 * when (the daemon's clock, ISO 8601 UTC). Real daemon processes keep every
 * entry by default and prune only when told to (ROSTER_CHANGE_RETENTION,
 * --change-retention, also through `roster daemon`).
 */
import { spawn } from "node:child_process";
import { request } from "node:http";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RosterClient } from "@roster/core/client";
import {
  REPO_ROOT,
  daemonEnv,
  http,
  seedDataDir,
  startInProcessDaemon,
  startTestDaemon,
  tempDir,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { eventually } from "./live-helpers.ts";
import { rosterCommand } from "./support/roster-bin.ts";

const T0 = Date.parse("2031-05-06T07:08:09.123Z");

/** from, from + 1, …, to. */
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("GET /changes: who and when", () => {
  const clock = { t: T0 };
  let d: InProcessDaemon;
  let owner: OrgSetup;
  beforeAll(async () => {
    d = await startInProcessDaemon({ mail: false, resendIntervalS: 0, now: () => clock.t });
    owner = await d.setupOrg({ email: "boss@example.com" });
  });
  afterAll(async () => {
    await d?.close();
  });

  it("names the actor (user id and email, or null for the daemon) and the time of every change", async () => {
    const at = (s: number) => {
      clock.t = T0 + s * 1000;
      return new Date(clock.t).toISOString();
    };
    const c = d.client(owner.token);
    const expected: Array<[number, string, { userID: string; email: string } | null, string]> = [];
    const boss = { userID: owner.userID, email: "boss@example.com" };

    expected.push([1, "member.added", boss, at(0)]);
    const org = (await c.createOrg("Audited")).id;
    expected.push([2, "invite.created", boss, at(1)]);
    const inv = await c.createInvite(org, { email: "Mia@Example.com" });
    const acceptedAt = at(2);
    const mia = await d.client().acceptInvite({ token: await d.activationToken(inv.id) });
    expected.push([
      3,
      "invite.accepted",
      { userID: mia.user.id, email: "mia@example.com" },
      acceptedAt,
    ]);
    expected.push([4, "invite.created", boss, at(3)]);
    const x = await c.createInvite(org, { email: "x@example.com" });
    expected.push([5, "invite.delivery", null, at(4)]);
    await d.daemon.service.recordDelivery(org, x.id, 1, { state: "sent", attempts: 1 });
    expected.push([6, "invite.created", { userID: mia.user.id, email: "mia@example.com" }, at(5)]);
    await d.client(mia.token).createInvite(org, { email: "y@example.com" });
    expected.push([7, "member.removed", boss, at(6)]);
    await c.removeMember(org, mia.user.id);

    const r = await http(d.url, "GET", `/api/v2/orgs/${org}/changes?since=0`, {
      token: owner.token,
    });
    expect(r.status).toBe(200);
    const body = r.body as {
      version: number;
      oldest: number;
      changes: Array<{ version: number; at: string; actor: unknown; change: { type: string } }>;
    };
    expect(body.version).toBe(7);
    expect(body.oldest).toBe(1);
    expect(body.changes.map((e) => [e.version, e.change.type, e.actor, e.at])).toEqual(expected);
    for (const e of body.changes) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The removed member's actions stay in the trail; the member can no longer read it.
    const gone = await http(d.url, "GET", `/api/v2/orgs/${org}/changes?since=0`, {
      token: mia.token,
    });
    expect(gone.status).toBe(404);
  });
});

/** GET /health with a given Host header (fetch cannot set one). */
function healthWithHost(url: string, host: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        path: "/health",
        headers: { Host: host },
        setHost: false,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** `roster <args>` (support/roster-bin.ts) as a daemon: resolves with its URL once listening. */
async function spawnRosterDaemon(args: string[]) {
  const child = spawn(...rosterCommand(args), {
    cwd: REPO_ROOT,
    env: daemonEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  let out = "";
  let pending = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => (out += s));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`roster daemon did not listen:\n${out}`)),
      60_000,
    );
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      pending += s;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        let rec: { msg?: string; url?: string };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          continue;
        }
        if (rec.msg === "listening" && rec.url) {
          clearTimeout(timer);
          resolve(rec.url);
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`roster daemon exited ${code}:\n${out}`));
    });
  });
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Set up an org and make `n` more changes; returns the org's client and id. */
async function org(url: string, n: number) {
  const setup = await new RosterClient({ url }).setup({ org: "Kept", email: "k@example.com" });
  const c = new RosterClient({ url, token: setup.token });
  for (let i = 0; i < n; i++) await c.createInvite(setup.org.id, { email: `k${i}@example.com` });
  return { c, orgID: setup.org.id, token: setup.token };
}

describe("change-log retention of a daemon process", { timeout: 180_000 }, () => {
  it("keeps every change by default, beyond 10 000 of them", async () => {
    const dataDir = tempDir("roster-audit-keep-");
    try {
      // A log of 10 050 entries (copies of the first, a valid change).
      const seed = await startInProcessDaemon({ dataDir, mail: false });
      const owner = await seed.setupOrg();
      await seed.daemon.storage.query(
        `insert into changes (org_id, version, at, actor_id, actor_email, change)
         select org_id, g, at, actor_id, actor_email, change
         from changes, generate_series(2, 10050) g where org_id = $1 and version = 1`,
        [owner.orgID],
      );
      await seed.daemon.storage.query("update orgs set version = 10050 where id = $1", [
        owner.orgID,
      ]);
      await seed.daemon.close();

      const d = await startTestDaemon({ dataDir });
      try {
        const c = d.client(owner.token);
        await c.createInvite(owner.orgID, { email: "one-more@example.com" });
        const log = await c.changes(owner.orgID, 0);
        // 10 051, or more once the mail worker reported the delivery.
        expect(log.version).toBeGreaterThanOrEqual(10051);
        expect(log.oldest).toBe(1);
        expect(log.changes.map((e) => e.version)).toEqual(range(1, 1000));
        const tail = await c.changes(owner.orgID, 10049);
        expect(tail.changes.map((e) => e.version)).toEqual(range(10050, tail.version));
      } finally {
        await d.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("prunes to ROSTER_CHANGE_RETENTION when set", async () => {
    const d = await startTestDaemon({ env: { ROSTER_CHANGE_RETENTION: "5" } });
    try {
      const { c, orgID } = await org(d.url, 8);
      await eventually(async () => {
        // 9 changes, and the mail worker's delivery reports.
        const log = await c.changes(orgID, 0);
        expect(log.version).toBeGreaterThanOrEqual(9);
        expect(log.oldest).toBe(log.version - 4);
        expect(log.changes.map((e) => e.version)).toEqual(range(log.version - 4, log.version));
      });
    } finally {
      await d.cleanup();
    }
  });

  it("`roster daemon` passes --change-retention and --allowed-hosts to the daemon", async () => {
    const dataDir = tempDir("roster-audit-cli-");
    try {
      await seedDataDir(dataDir);
      const d = await spawnRosterDaemon([
        "daemon",
        "--port",
        "0",
        "--data-dir",
        dataDir,
        "--change-retention",
        "3",
        "--allowed-hosts",
        "roster.example",
      ]);
      try {
        expect(await healthWithHost(d.url, "roster.example")).toBe(200);
        expect(await healthWithHost(d.url, "other.example")).toBe(403);
        const { c, orgID } = await org(d.url, 6);
        await eventually(async () => {
          const log = await c.changes(orgID, 0);
          expect(log.version).toBeGreaterThanOrEqual(7);
          expect(log.oldest).toBe(log.version - 2);
          expect(log.changes.map((e) => e.version)).toEqual(range(log.version - 2, log.version));
        });
      } finally {
        expect(await d.stop()).toBe(0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
