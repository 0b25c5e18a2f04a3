/**
 * GET …/members and …/invites over real HTTP: served from the org's
 * in-memory projection when it is at exactly the version read together with
 * the caller's membership, else from the database. Either way the answer is
 * the database's, and a caller sees its own writes in its very next read —
 * also while the change feed (and so the projection) lags behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InviteStatusFilter } from "@roster/core";
import {
  http,
  interceptQueries,
  startInProcessDaemon,
  statementsDuring,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { eventually } from "./live-helpers.ts";

const HOUR = 3600_000;
const clock = { offset: 0 };
let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({
    mail: false,
    resendIntervalS: 0,
    now: () => Date.now() + clock.offset,
  });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

const FILTERS: InviteStatusFilter[] = [
  "open",
  "pending",
  "expired",
  "accepted",
  "withdrawn",
  "all",
];
const owners = () => d.client(owner.token);

async function dbVersion(orgID: string): Promise<number> {
  const r = await d.daemon.storage.query<{ version: number | string }>(
    "select version from orgs where id = $1",
    [orgID],
  );
  return Number(r.rows[0]?.version);
}

/** Every list the API serves is, byte for byte, what the database read gives. */
async function expectListsMatchDatabase(orgID: string): Promise<void> {
  const svc = d.daemon.service;
  const get = async (path: string) => {
    const r = await http(d.url, "GET", `/api/v2/orgs/${orgID}/${path}`, { token: owner.token });
    expect(r.status).toBe(200);
    return { path, text: r.text };
  };
  expect(await get("members")).toEqual({
    path: "members",
    text: JSON.stringify(await svc.listMembers(orgID)),
  });
  for (const status of FILTERS) {
    expect(await get(`invites?status=${status}`)).toEqual({
      path: `invites?status=${status}`,
      text: JSON.stringify(await svc.listInvites(orgID, status)),
    });
  }
}

/** Wait until the projection holds the org's current version. */
async function projectionCurrent(orgID: string): Promise<void> {
  await owners().listMembers(orgID); // a read keeps (or starts loading) the projection
  const version = await dbVersion(orgID);
  await eventually(() =>
    expect(d.daemon.live.hub.projections.at(orgID, version)?.version).toBe(version),
  );
}

describe("list reads", { timeout: 60_000 }, () => {
  it("answer as the database does after every kind of change, and from memory once the projection is current", async () => {
    const org = (await owners().createOrg("Lists")).id;
    const invite = (email: string) => owners().createInvite(org, { email });
    const accept = async (inviteID: string, name: string) =>
      d.client().acceptInvite({ token: await d.activationToken(inviteID), name });
    const svc = d.daemon.service;
    const ids: Record<string, string> = {};

    const steps: Array<[string, () => Promise<unknown>]> = [
      [
        "invite 5",
        async () => {
          for (const x of ["a", "b", "c", "d", "e"]) ids[x] = (await invite(`${x}@example.com`)).id;
        },
      ],
      [
        "accept a, b",
        async () => {
          ids.userA = (await accept(ids.a!, "Ann")).user.id;
          ids.userB = (await accept(ids.b!, "")).user.id;
        },
      ],
      ["resend c", () => owners().resendInvite(org, ids.c!)],
      ["withdraw d", () => owners().withdrawInvite(org, ids.d!)],
      [
        "delivery of e failed",
        () =>
          svc.recordDelivery(org, ids.e!, 1, {
            state: "failed",
            attempts: 2,
            lastError: "450 mailbox busy",
            nextAttemptAt: new Date(Date.now() + 60_000).toISOString(),
          }),
      ],
      [
        "delivery of c sent",
        () => svc.recordDelivery(org, ids.c!, 2, { state: "sent", attempts: 1 }),
      ],
      [
        "73 hours later, invite f",
        async () => {
          clock.offset += 73 * HOUR;
          ids.f = (await invite("f@example.com")).id;
        },
      ],
      ["resend expired e", () => owners().resendInvite(org, ids.e!)],
      ["remove b", () => owners().removeMember(org, ids.userB!)],
    ];
    for (const [step, run] of steps) {
      await run();
      // At once (the projection may or may not have caught up), then from memory.
      await expectListsMatchDatabase(org);
      await projectionCurrent(org);
      expect({
        step,
        statements: await statementsDuring(d.daemon, () => owners().listMembers(org)),
      }).toEqual({ step, statements: 0 });
      for (const status of ["open", "pending", "expired"] as const) {
        expect(await statementsDuring(d.daemon, () => owners().listInvites(org, status))).toBe(0);
      }
      await expectListsMatchDatabase(org);
    }

    // The end state, spelled out.
    const members = await owners().listMembers(org);
    expect(members.members.map((m) => [m.email, m.name])).toEqual([
      [owner.email, ""],
      ["a@example.com", "Ann"],
    ]);
    const open = await owners().listInvites(org, "open");
    expect(open.invites.map((i) => [i.email, i.status])).toEqual([
      ["c@example.com", "expired"],
      ["e@example.com", "pending"],
      ["f@example.com", "pending"],
    ]);
    expect(open.pending).toBe(2);
    expect((await owners().listInvites(org, "expired")).invites.map((i) => i.email)).toEqual([
      "c@example.com",
    ]);
    // History is read from the database (the projection holds open invitations only).
    expect(await statementsDuring(d.daemon, () => owners().listInvites(org, "all"))).toBe(1);
  });

  it("show the caller's own write in the very next read while the projection lags", async () => {
    const org = (await owners().createOrg("Lagging feed")).id;
    await projectionCurrent(org);
    // Hold back the change feed: this process's own commits are not handed to it (as
    // if another daemon had made them), and its reads of the log after each NOTIFY
    // wait: the projection stays behind.
    const feed = d.daemon.feed;
    const publish = feed.publish.bind(feed);
    feed.publish = () => undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const undo = interceptQueries(d.daemon, (orig) => async (text, params) => {
      if (/from changes\s+where org_id = \$1 and version > \$2 order by version/.test(text))
        await gate;
      return orig(text, params);
    });
    try {
      for (let i = 0; i < 3; i++) {
        const inv = await owners().createInvite(org, { email: `lag${i}@example.com` });
        const list = await owners().listInvites(org);
        expect(list.invites.map((x) => x.id)).toContain(inv.id);
        expect(list.version).toBe(await dbVersion(org));
        expect(d.daemon.live.hub.projections.at(org, list.version)).toBeUndefined();
      }
      const m = await d.client().acceptInvite({
        token: await d.activationToken((await owners().listInvites(org)).invites[0]!.id),
      });
      expect((await owners().listMembers(org)).members.map((x) => x.userID)).toContain(m.user.id);
      await owners().removeMember(org, m.user.id);
      const after = await owners().listMembers(org);
      expect(after.members.map((x) => x.userID)).not.toContain(m.user.id);
      expect(after.version).toBe(await dbVersion(org));
      // And the removed member's next read fails at once (R10), projection or not.
      await expect(d.client(m.token).listMembers(org)).rejects.toMatchObject({ status: 404 });
    } finally {
      feed.publish = publish;
      undo();
      release();
    }
    await projectionCurrent(org);
    await expectListsMatchDatabase(org);
  });

  it("take this daemon's own writes into the projection at commit, without reading the change log back", async () => {
    const org = (await owners().createOrg("Own writes")).id;
    await projectionCurrent(org);
    let logReads = 0;
    const undo = interceptQueries(d.daemon, (orig) => (text, params) => {
      if (/from changes/.test(text)) logReads++;
      return orig(text, params);
    });
    try {
      for (let i = 0; i < 3; i++) {
        await owners().createInvite(org, { email: `own${i}@example.com` });
        // Already folded in when the 201 arrived: the next read is served from memory.
        const version = await dbVersion(org);
        expect(d.daemon.live.hub.projections.get(org)?.version).toBe(version);
        const n = await statementsDuring(d.daemon, () => owners().listInvites(org));
        expect(n).toBe(0); // token, membership and list all answered from memory
      }
      await d.daemon.feed.idle();
      expect(logReads).toBe(0);
    } finally {
      undo();
    }
    await expectListsMatchDatabase(org);
  });
});
