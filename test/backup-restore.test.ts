/**
 * SPEC §7: `roster backup <file>` takes a consistent backup while the daemon
 * runs (through the daemon, over its lock socket); `roster restore <file>`
 * brings it back (refused while a daemon holds the directory); the round trip
 * is exact — orgs, members, invitations, tokens, change log and versions —
 * the restored daemon serves the same tokens and live clients resume. A data
 * directory that cannot be opened names itself and the restore command.
 * All through the real `roster` executable and real daemon processes.
 */
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RosterClient } from "@roster/core/client";
import { MIGRATIONS } from "@roster/daemon/testing";
import { mailedLinks, roster } from "./cli-support.ts";
import { record } from "./live-helpers.ts";
import {
  DaemonExitedError,
  startTestDaemon,
  tempDir,
  type OrgSetup,
  type TestDaemon,
} from "./support/daemon.ts";
import { postgresAvailable, startTestPostgres, type TestPostgres } from "./support/postgres.ts";
import { waitUntil } from "./support/until.ts";

const work = tempDir("roster-backup-");
const configHome = join(work, "config");
const file = join(work, "roster.backup");
const cli = (...args: string[]) => roster(args, { configHome, timeoutMs: 120_000 });

/** Everything the API shows for these tokens: who they are, their orgs, members, invitations, change logs. */
async function apiView(url: string, tokens: readonly string[]) {
  const view: Record<string, unknown> = {};
  for (const token of tokens) {
    const c = new RosterClient({ url, token });
    const { orgs } = await c.listOrgs();
    view[token] = { me: await c.me(), orgs };
    for (const org of orgs) {
      view[org.id] = {
        members: await c.listMembers(org.id),
        invites: await c.listInvites(org.id, "all"),
        changes: await c.changes(org.id, 0),
      };
    }
  }
  return view;
}

/** A backup file's lines, without the header's creation time. */
function backupContent(path: string): string[] {
  const lines = gunzipSync(readFileSync(path)).toString("utf8").trim().split("\n");
  return [JSON.stringify({ ...JSON.parse(lines[0]!), createdAt: "" }), ...lines.slice(1)];
}

/**
 * Each org's version in the backup is its last change's, and its change log
 * is gapless: one snapshot, not tables read at different moments.
 */
function expectOneSnapshot(path: string) {
  const lines = gunzipSync(readFileSync(path)).toString("utf8").trim().split("\n");
  const rows = new Map<string, Record<string, unknown>[]>();
  let table = "";
  for (const line of lines.slice(1)) {
    const v = JSON.parse(line) as Record<string, unknown>;
    if (typeof v.table === "string" && Array.isArray(v.columns)) {
      table = v.table;
      rows.set(table, []);
    } else if (!("sequences" in v) && !("end" in v)) {
      rows.get(table)!.push(v);
    }
  }
  const orgs = rows.get("orgs")!;
  expect(orgs.length).toBeGreaterThan(0);
  for (const org of orgs) {
    const versions = rows
      .get("changes")!
      .filter((c) => c.org_id === org.id)
      .map((c) => Number(c.version))
      .sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: Number(org.version) }, (_, i) => i + 1));
  }
}

/** Invite and withdraw in a loop until `done` settles; returns how many pairs were made. */
async function writeDuring(c: RosterClient, orgID: string, done: Promise<unknown>) {
  let finished = false;
  void done.finally(() => (finished = true));
  let n = 0;
  while (!finished) {
    const inv = await c.createInvite(orgID, { email: `burst${n}@example.com` });
    await c.withdrawInvite(orgID, inv.id);
    n++;
  }
  return n;
}

let d: TestDaemon;
let owner: OrgSetup;
let second: OrgSetup;
let memberToken: string;
let tokens: string[];
let before: Awaited<ReturnType<typeof apiView>>;

afterAll(() => rmSync(work, { recursive: true, force: true }));

// The two databases' cases share nothing but the scratch directory, and mostly
// wait on child processes: the two suites run side by side (concurrent), the
// cases within each in order (sequential), each on its own daemon.
describe("roster backup and roster restore (embedded database)", { concurrent: true }, () => {
  beforeAll(async () => {
    d = await startTestDaemon({ resendIntervalS: 0 });
    owner = await d.setupOrg({ org: "Acme", email: "owner@example.com", name: "Olive" });
    second = await d.setupOrg({ org: "Beta" });
    const c = d.client(owner.token);
    await c.createInvite(owner.orgID, { email: "member@example.com" });
    const withdrawn = await c.createInvite(owner.orgID, { email: "withdrawn@example.com" });
    const resent = await c.createInvite(second.orgID, { email: "resent@example.com" });
    await c.createInvite(second.orgID, { email: "pending@example.com" });
    await c.withdrawInvite(owner.orgID, withdrawn.id);
    await c.resendInvite(second.orgID, resent.id);
    const [link] = await mailedLinks(d.dataDir, "member@example.com");
    const token = new URL(link!).pathname.split("/").pop()!;
    memberToken = (await d.client().acceptInvite({ token, name: "Mia" })).token!;
    tokens = [owner.token, memberToken];
    // Every mail sent, so nothing changes between the view and the backup.
    await waitUntil("every invitation's mail to be sent", async () => {
      for (const org of [owner.orgID, second.orgID]) {
        const { invites } = await c.listInvites(org, "all");
        if (invites.some((i) => i.status === "pending" && i.delivery.state === "queued"))
          return false;
      }
      return true;
    });
    before = await apiView(d.url, tokens);
  }, 120_000);
  afterAll(async () => {
    await d?.cleanup();
  });

  it.sequential(
    "backs up a running daemon through its lock socket: the file is whole, private and consistent",
    async () => {
      const r = await cli("backup", file, "--data-dir", d.dataDir);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/through its running daemon/);
      expect(r.stdout).toContain("2 orgs, 3 members, 4 invitations, 2 API tokens");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(work).filter((n) => n.includes(".partial"))).toEqual([]);
      const lines = backupContent(file);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        format: "roster-backup",
        schemaVersion: Math.max(...MIGRATIONS.map((m) => m.version)),
      });
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ end: true, tables: { orgs: 2, users: 2 } });
    },
    60_000,
  );

  it.sequential(
    "refuses to restore while the daemon runs, naming it, and changes nothing",
    async () => {
      const r = await cli("restore", file, "--data-dir", d.dataDir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`pid ${d.pid}`);
      expect(r.stderr).toContain(d.url);
      expect(r.stderr).toContain("Stop that daemon first");
      expect(await apiView(d.url, tokens)).toEqual(before);
    },
    60_000,
  );

  it.sequential(
    "round trip: identical data, the same tokens, and live clients resume",
    async () => {
      const version = (before[owner.orgID] as { changes: { version: number } }).changes.version;
      // A change after the backup: the restore takes the directory back to before it.
      const seen = await record(d.url, owner.orgID, owner.token);
      seen.hello(version);
      await seen.next((m) => m.type === "ready");
      await d.client(owner.token).createInvite(owner.orgID, { email: "after@example.com" });
      await seen.next((m) => m.type === "change" && m.version === version + 1);
      seen.close();

      await d.stop();
      const r = await cli("restore", file, "--data-dir", d.dataDir);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("2 orgs, 3 members, 4 invitations, 2 API tokens");
      expect(r.stdout).toMatch(/The database it replaced was moved to .*pgdata\.replaced-/);
      await d.restart();

      // The same tokens work, and show exactly what they showed at the backup.
      expect(await apiView(d.url, tokens)).toEqual(before);
      // A client that was at the backup's version resumes from there...
      const resumed = await record(d.url, owner.orgID, owner.token);
      resumed.hello(version);
      expect(await resumed.next((m) => m.type === "ready")).toEqual({ type: "ready", version });
      const inv = await d
        .client(memberToken)
        .createInvite(owner.orgID, { email: "new@example.com" });
      const change = await resumed.next((m) => m.type === "change");
      expect(change).toMatchObject({ version: version + 1, prev: version });
      expect(JSON.stringify(change)).toContain(inv.id);
      resumed.close();
      // ...and one that saw the lost change gets a snapshot of what is there now.
      const ahead = await record(d.url, owner.orgID, owner.token);
      ahead.hello(version + 2);
      await ahead.next((m) => m.type === "ready");
      expect(ahead.messages.map((m) => m.type)).toEqual(["snapshot", "ready"]);
      expect(JSON.stringify(ahead.messages[0])).not.toContain("after@example.com");
      ahead.close();
    },
    180_000,
  );

  it.sequential(
    "restores into a new data directory (another machine); its backup has the same content",
    async () => {
      const elsewhere = join(work, "elsewhere");
      const r = await cli("restore", file, "--data-dir", elsewhere);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain("replaced");
      const e = await startTestDaemon({ dataDir: elsewhere });
      try {
        expect(await apiView(e.url, tokens)).toEqual(before);
        const again = join(work, "again.backup");
        expect((await cli("backup", again, "--data-dir", elsewhere)).code).toBe(0);
        // Using the tokens (apiView above) moved their "last used" (R13): the rest is the same.
        const unused = (lines: string[]) =>
          lines.map((l) => l.replace(/"last_used_at":"[^"]*"/, '"last_used_at":"…"'));
        expect(unused(backupContent(again))).toEqual(unused(backupContent(file)));
      } finally {
        await e.stop();
      }
    },
    180_000,
  );

  it.sequential(
    "a data directory whose database cannot be opened names itself and the restore command",
    async () => {
      const broken = join(work, "broken");
      cpSync(join(work, "elsewhere"), broken, { recursive: true });
      writeFileSync(join(broken, "pgdata", "global", "pg_control"), Buffer.alloc(8192, 7));
      const err = await startTestDaemon({ dataDir: broken }).then(
        () => {
          throw new Error("the daemon started on a damaged database");
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DaemonExitedError);
      const { code, output } = err as DaemonExitedError;
      expect(code).toBe(1);
      expect(output).toContain(`the database in ${join(broken, "pgdata")} cannot be opened`);
      expect(output).toContain(`roster restore <backup-file> --data-dir ${broken}`);
      // Which is the way out.
      expect((await cli("restore", file, "--data-dir", broken)).code).toBe(0);
      const e = await startTestDaemon({ dataDir: broken });
      try {
        expect(await apiView(e.url, tokens)).toEqual(before);
      } finally {
        await e.stop();
      }
    },
    180_000,
  );

  it.sequential(
    "a damaged or cut-short backup is refused and changes nothing",
    async () => {
      const target = join(work, "elsewhere");
      const lines = gunzipSync(readFileSync(file)).toString("utf8").trim().split("\n");
      const cut = join(work, "cut.backup");
      writeFileSync(cut, gzipSync(lines.slice(0, -3).join("\n") + "\n"));
      const damaged = join(work, "damaged.backup");
      writeFileSync(damaged, lines.map((l, i) => (i === 5 ? "{not json" : l)).join("\n"));
      // What is there besides the lock's generation (each restore takes the lock once).
      const contents = () => readdirSync(target).filter((n) => !/^daemon\.\d+\.sock$/.test(n));
      const listing = contents();
      for (const [bad, message] of [
        [cut, "the backup ends early"],
        [damaged, "the backup is damaged"],
        [join(work, "missing.backup"), "no such backup file"],
      ] as const) {
        const r = await cli("restore", bad, "--data-dir", target);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(message);
        expect(contents()).toEqual(listing);
      }
    },
    120_000,
  );

  it.sequential(
    "a backup taken during a burst of writes is one consistent snapshot",
    async () => {
      const burst = join(work, "burst.backup");
      const backup = cli("backup", burst, "--data-dir", d.dataDir);
      const written = await writeDuring(d.client(owner.token), owner.orgID, backup);
      expect((await backup).code).toBe(0);
      expect(written).toBeGreaterThan(0);
      expectOneSnapshot(burst);
    },
    60_000,
  );
});

describe.skipIf(!postgresAvailable())(
  "roster backup and roster restore (PostgreSQL server)",
  { concurrent: true },
  () => {
    let pg: TestPostgres;
    let sourceUrl: string;
    let p: TestDaemon;
    let o: OrgSetup;
    /** Its own part of the scratch directory (the other suite checks what is in `work`). */
    const serverWork = join(work, "server");
    beforeAll(async () => {
      mkdirSync(serverWork);
      pg = await startTestPostgres();
      sourceUrl = await pg.createDatabase();
      p = await startTestDaemon({ databaseUrl: sourceUrl });
      o = await p.setupOrg({ org: "Server", email: "server@example.com" });
      await p.client(o.token).createInvite(o.orgID, { email: "x@example.com" });
      await waitUntil("the invitation's mail to be sent", async () => {
        const { invites } = await p.client(o.token).listInvites(o.orgID, "all");
        return invites.every((i) => i.delivery.state !== "queued");
      });
    }, 120_000);
    afterAll(async () => {
      await p?.cleanup();
      await pg?.stop();
    });

    it("backs up the server's database while a daemon runs on it; restores into an empty database, or an embedded one", async () => {
      const view = await apiView(p.url, [o.token]);
      const pgFile = join(serverWork, "server.backup");
      const b = await cli("backup", pgFile, "--database-url", sourceUrl);
      expect(b.stderr).toBe("");
      expect(b.code).toBe(0);
      expect(b.stdout).toContain("Backed up the PostgreSQL database to");

      const target = await pg.createDatabase();
      const r = await cli("restore", pgFile, "--database-url", target);
      expect(r.code).toBe(0);
      const again = await cli("restore", pgFile, "--database-url", target);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("the database is not empty");
      const q = await startTestDaemon({ databaseUrl: target });
      try {
        expect(await apiView(q.url, [o.token])).toEqual(view);
      } finally {
        await q.cleanup();
      }

      // Taken while a daemon writes to the server: still one snapshot.
      const burst = join(serverWork, "server-burst.backup");
      const during = cli("backup", burst, "--database-url", sourceUrl);
      expect(await writeDuring(p.client(o.token), o.orgID, during)).toBeGreaterThan(0);
      expect((await during).code).toBe(0);
      expectOneSnapshot(burst);

      const embedded = join(serverWork, "from-server");
      expect((await cli("restore", pgFile, "--data-dir", embedded)).code).toBe(0);
      const e = await startTestDaemon({ dataDir: embedded });
      try {
        expect(await apiView(e.url, [o.token])).toEqual(view);
      } finally {
        await e.stop();
      }
    }, 240_000);
  },
);
