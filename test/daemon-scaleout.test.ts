/**
 * Several daemons on one PostgreSQL server (SPEC §3): writers of one org are
 * serialized across instances (R5 holds under a cross-instance race), every
 * instance's change feed sees every change once and in order, and a lost
 * LISTEN connection is caught up after it comes back.
 */
import type { ChangeEntry } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PENDING_LIMIT } from "@roster/core";
import {
  http,
  startInProcessDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { startTestPostgres, type TestPostgres } from "./support/postgres.ts";

let pg: TestPostgres;
let a: InProcessDaemon;
let b: InProcessDaemon;
let o: OrgSetup;
const seen: Record<"a" | "b", Array<[string, ChangeEntry]>> = { a: [], b: [] };

beforeAll(async () => {
  pg = await startTestPostgres();
  const url = await pg.createDatabase();
  a = await startInProcessDaemon({ databaseUrl: url, mail: false });
  b = await startInProcessDaemon({ databaseUrl: url, mail: false });
  a.daemon.feed.subscribe((org, e) => seen.a.push([org, e]));
  b.daemon.feed.subscribe((org, e) => seen.b.push([org, e]));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await pg?.stop();
});

async function until(cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const versionsOf = (who: "a" | "b", orgID: string) =>
  seen[who].filter(([x]) => x === orgID).map(([, e]) => e.version);

describe("two daemons on one PostgreSQL server", () => {
  it("racing setups through both instances: exactly one wins", async () => {
    const results = await Promise.allSettled(
      [a, b, a, b].map((d, i) => d.client().setup({ org: "Acme", email: `owner${i}@example.com` })),
    );
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected")
        expect((r.reason as { reason?: string }).reason).toBe("setup_done");
    }
    const w = won[0]!;
    o = { url: a.url, token: w.token, orgID: w.org.id, userID: w.user.id, email: w.user.email };
  });

  it("share the data: setup through one is visible through the other", async () => {
    expect(await b.client().setupStatus()).toEqual({ allowed: false });
    expect(await b.client(o.token).me()).toMatchObject({ id: o.userID });
  });

  it(`R5 across instances: ${PENDING_LIMIT + 10} concurrent invitations through both leave exactly ${PENDING_LIMIT} pending`, async () => {
    const org = (await a.client(o.token).createOrg("Race")).id;
    const results = await Promise.allSettled(
      Array.from({ length: PENDING_LIMIT + 10 }, (_, i) =>
        (i % 2 ? a : b).client(o.token).createInvite(org, { email: `x${i}@example.com` }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(PENDING_LIMIT);
    expect((await b.client(o.token).listInvites(org)).pending).toBe(PENDING_LIMIT);
    const log = await a.client(o.token).changes(org, 0);
    expect(log.changes.map((x) => x.version)).toEqual(
      Array.from({ length: PENDING_LIMIT + 1 }, (_, i) => i + 1),
    );
    // Both feeds saw all of it, once, in order.
    await until(
      () =>
        versionsOf("a", org).length === PENDING_LIMIT + 1 &&
        versionsOf("b", org).length === PENDING_LIMIT + 1,
    );
    expect(versionsOf("a", org)).toEqual(log.changes.map((x) => x.version));
    expect(versionsOf("b", org)).toEqual(log.changes.map((x) => x.version));
    expect(seen.b.filter(([x]) => x === org).map(([, e]) => e)).toEqual(log.changes);
  });

  it("an Idempotency-Key is honoured across instances", async () => {
    const headers = { "Idempotency-Key": `cross-${Math.random()}` };
    const req = { token: o.token, json: { email: "cross@example.com" }, headers };
    const first = await http(a.url, "POST", `/api/v2/orgs/${o.orgID}/invites`, req);
    const second = await http(b.url, "POST", `/api/v2/orgs/${o.orgID}/invites`, req);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
  });

  it("a feed whose LISTEN connection was lost catches up once it is back", async () => {
    const org = (await a.client(o.token).createOrg("Flaky")).id;
    await until(() => versionsOf("b", org).length === 1);
    // Cut every LISTEN connection (both instances) and write meanwhile.
    await a.daemon.storage.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`,
    );
    for (let i = 0; i < 5; i++)
      await a.client(o.token).createInvite(org, { email: `f${i}@example.com` });
    await until(() => versionsOf("b", org).length === 6 && versionsOf("a", org).length === 6);
    expect(versionsOf("b", org)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(versionsOf("a", org)).toEqual([1, 2, 3, 4, 5, 6]);
    // And live delivery works again afterwards.
    await b.client(o.token).createInvite(org, { email: "after@example.com" });
    await until(() => versionsOf("a", org).length === 7);
  });

  it("a member removed through one instance is refused by the other at once (R10)", async () => {
    const inv = await a.client(o.token).createInvite(o.orgID, { email: "leaver@example.com" });
    const acc = await b.client().acceptInvite({ token: await a.activationToken(inv.id) });
    expect((await b.client(acc.token).listMembers(o.orgID)).members.length).toBeGreaterThan(1);
    await a.client(o.token).removeMember(o.orgID, acc.user.id);
    const r = await http(b.url, "GET", `/api/v2/orgs/${o.orgID}/members`, { token: acc.token });
    expect(r.status).toBe(404);
  });

  it("list bodies cached on one instance follow writes made through the other (NOTIFY → new version)", async () => {
    const org = (await a.client(o.token).createOrg("Cached lists")).id;
    const read = async (d: InProcessDaemon, path: string) => {
      const r = await http(d.url, "GET", `/api/v2/orgs/${org}/${path}`, { token: o.token });
      expect(r.status).toBe(200);
      return r.text;
    };
    const projection = (d: InProcessDaemon) => d.daemon.live.hub.projections.get(org);
    // b reads (and so keeps a projection and cached bodies), a writes: three rounds.
    for (const email of ["one@example.com", "two@example.com", "three@example.com"]) {
      await read(b, "members");
      await until(() => projection(b) !== undefined);
      const before = await read(b, "invites");
      const inv = await a.client(o.token).createInvite(org, { email });
      const version = (await a.client(o.token).listInvites(org)).version;
      // Served by b from memory once its feed has folded a's change in…
      await until(() => projection(b)?.version === version);
      const after = await read(b, "invites");
      expect(after).not.toBe(before);
      expect(JSON.parse(after)).toMatchObject({ version });
      expect(
        (JSON.parse(after) as { invites: Array<{ id: string }> }).invites.map((i) => i.id),
      ).toContain(inv.id);
      // …and byte for byte what the database answers.
      expect(after).toBe(JSON.stringify(await b.daemon.service.listInvites(org, "open")));
      expect(await read(b, "members")).toBe(
        JSON.stringify(await b.daemon.service.listMembers(org)),
      );
    }
  });
});
