/**
 * The client sync engine (core) against real daemons: optimistic actions,
 * local refusals, the offline queue replayed exactly once after a daemon
 * restart (and a client restart), lost responses replayed with the same
 * Idempotency-Key, and an injected gap that makes the reducer resync.
 * With a SnapshotStore: the server state saved (throttled, and on close),
 * restored by a client started while the daemon is down, resumed from its
 * version; deleted when access is revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MemoryActionStore,
  MemorySnapshotStore,
  withDerivedStatus,
  type Invite,
  type Member,
  type SyncEvent,
  type SyncState,
} from "@roster/core";
import { RosterClient, SyncEngine } from "@roster/core/client";
import {
  startInProcessDaemon,
  startTestDaemon,
  type InProcessDaemon,
  type OrgSetup,
  type TestDaemon,
} from "./support/daemon.ts";
import { eventually, serverState, startDroppingProxy } from "./live-helpers.ts";

const FAST = { backoff: { initialMs: 20, maxMs: 200 } };

function comparable(members: readonly Member[], invites: readonly Invite[], now = Date.now()) {
  return {
    members: [...members].sort((a, b) => a.userID.localeCompare(b.userID)),
    invites: invites.map((i) => withDerivedStatus(i, now)).sort((a, b) => a.id.localeCompare(b.id)),
  };
}

async function expectConverged(engine: SyncEngine, client: RosterClient, orgID: string) {
  await eventually(async () => {
    const s = await serverState(client, orgID);
    const state = engine.getState();
    expect(state.version).toBe(s.version);
    expect(comparable(state.server.members, state.server.invites)).toEqual(
      comparable(s.members, s.invites),
    );
  }, 15_000);
}

describe("engine against an in-process daemon", () => {
  let d: InProcessDaemon;
  let owner: OrgSetup;
  beforeAll(async () => {
    d = await startInProcessDaemon({ resendIntervalS: 0, mail: false });
    owner = await d.setupOrg();
  });
  afterAll(async () => {
    await d?.close();
  });

  it("shows an action optimistically, then the daemon's row; refuses locally what core can decide", async () => {
    const engine = await SyncEngine.open({
      client: d.client(owner.token),
      orgID: owner.orgID,
      actorID: owner.userID,
      live: FAST,
    });
    engine.start();
    try {
      await engine.waitFor((s, st) => s.synced && st === "live");
      const r = engine.submit({ type: "invite", email: "  Ada@Example.com " });
      expect(r.ok).toBe(true);
      const view = engine.getView();
      const row = view.invites.find((i) => i.invite.email === "ada@example.com");
      expect(row).toMatchObject({ optimistic: true });
      await engine.waitFor((s) => s.pending.length === 0);
      const settled = engine.getView().invites.filter((i) => i.invite.email === "ada@example.com");
      expect(settled).toHaveLength(1);
      expect(settled[0]).toMatchObject({ optimistic: false });

      // R6, R2/R3, R11: refused before anything is sent, with the daemon's words.
      const again = engine.submit({ type: "invite", email: "ada@example.com" });
      expect(again.ok).toBe(false);
      if (!again.ok) expect(again.error.reason).toBe("already_invited");
      const list = engine.submit({ type: "invite", email: "a@example.com, b@example.com" });
      if (!list.ok) expect(list.error.reason).toBe("multiple_emails");
      else throw new Error("a list was accepted");
      const self = engine.submit({ type: "remove", userID: owner.userID });
      if (!self.ok)
        expect(self.error.message).toBe(
          "You cannot remove yourself from an organization. Have another member remove you.",
        );
      else throw new Error("removing yourself was accepted");
      expect(engine.getState().pending).toHaveLength(0);
      const log = await d.client(owner.token).changes(owner.orgID, 0);
      expect(
        log.changes.filter(
          (c) => c.change.type === "invite.created" && c.change.invite.email === "ada@example.com",
        ),
      ).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it("a lost response is replayed with the same Idempotency-Key: one change, confirmed once", async () => {
    const keys: string[] = [];
    let dropNext = true;
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === "POST") {
        keys.push(String((init.headers as Record<string, string>)["Idempotency-Key"]));
        if (dropNext) {
          dropNext = false;
          await res.text();
          throw new TypeError("fetch failed"); // the daemon did it; the answer was lost
        }
      }
      return res;
    };
    const client = new RosterClient({ url: d.url, token: owner.token, fetch: lossy });
    const engine = await SyncEngine.open({
      client,
      orgID: owner.orgID,
      actorID: owner.userID,
      live: FAST,
      sendBackoff: { initialMs: 20, maxMs: 50 },
    });
    engine.start();
    try {
      await engine.waitFor((s, st) => s.synced && st === "live");
      const r = engine.submit({ type: "invite", email: "lost@example.com" });
      expect(r.ok).toBe(true);
      await engine.waitFor((s) => s.pending.length === 0);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBe(keys[1]);
      expect(keys[0]).toBe(r.ok ? r.value.id : "");
      const log = await d.client(owner.token).changes(owner.orgID, 0);
      expect(
        log.changes.filter(
          (c) => c.change.type === "invite.created" && c.change.invite.email === "lost@example.com",
        ),
      ).toHaveLength(1);
      await expectConverged(engine, d.client(owner.token), owner.orgID);
    } finally {
      await engine.close();
    }
  });

  it("a dropped change (injected gap) makes the reducer resync, and it converges", async () => {
    let dropOne = true;
    const proxy = await startDroppingProxy(d.url, (m) => {
      if (m.type === "change" && m.change.type === "invite.created" && dropOne) {
        dropOne = false;
        return true;
      }
      return false;
    });
    const engine = await SyncEngine.open({
      client: new RosterClient({ url: proxy.url, token: owner.token }),
      orgID: owner.orgID,
      actorID: owner.userID,
      live: FAST,
    });
    const seen: SyncState[] = [];
    engine.subscribe((s) => seen.push(s));
    engine.start();
    try {
      await engine.waitFor((s, st) => s.synced && st === "live");
      const epoch = engine.getState().epoch;
      const c = d.client(owner.token);
      await c.createInvite(owner.orgID, { email: "gap1@example.com" });
      await c.createInvite(owner.orgID, { email: "gap2@example.com" });
      await c.createInvite(owner.orgID, { email: "gap3@example.com" });
      await expectConverged(engine, c, owner.orgID);
      expect(proxy.dropped).toHaveLength(1);
      expect(seen.some((s) => s.needsResync)).toBe(true);
      expect(engine.getState().epoch).toBeGreaterThan(epoch); // it reconnected to resync
      expect(engine.getState().server.invites.map((i) => i.email)).toEqual(
        expect.arrayContaining(["gap1@example.com", "gap2@example.com", "gap3@example.com"]),
      );
    } finally {
      await engine.close();
      await proxy.close();
    }
  });

  it("saves the server state at most once per interval while live, and on close", async () => {
    const snapshots = new MemorySnapshotStore();
    const engine = await SyncEngine.open({
      client: d.client(owner.token),
      orgID: owner.orgID,
      actorID: owner.userID,
      snapshotStore: snapshots,
      snapshotSaveIntervalMs: 60_000,
      live: FAST,
    });
    engine.start();
    try {
      await engine.waitFor((s, st) => s.synced && st === "live");
      await eventually(() => expect(snapshots.saves).toBe(1));
      const first = snapshots.load()!;
      expect(first.version).toBe(engine.getState().version);
      const c = d.client(owner.token);
      for (let i = 0; i < 5; i++)
        await c.createInvite(owner.orgID, { email: `burst${i}@example.com` });
      await expectConverged(engine, c, owner.orgID);
      expect(snapshots.saves).toBe(1); // the burst waits for the interval
    } finally {
      const closedAt = Date.now();
      await engine.close();
      expect(snapshots.saves).toBe(2);
      const last = snapshots.load()!;
      expect(last.version).toBe(engine.getState().version);
      expect(last.invites.map((i) => i.email)).toEqual(
        expect.arrayContaining(["burst0@example.com", "burst4@example.com"]),
      );
      expect(JSON.stringify(last)).not.toContain(owner.token);
      expect(last.at).toBeGreaterThanOrEqual(closedAt - 5);
    }
  });

  it("a member whose access is revoked loses the saved lists", async () => {
    const c = d.client(owner.token);
    const inv = await c.createInvite(owner.orgID, { email: "leaver@example.com" });
    const accepted = await d
      .client()
      .acceptInvite({ token: await d.activationToken(inv.id), name: "Leaver" });
    const snapshots = new MemorySnapshotStore();
    const engine = await SyncEngine.open({
      client: d.client(accepted.token),
      orgID: owner.orgID,
      actorID: accepted.user.id,
      snapshotStore: snapshots,
      live: FAST,
    });
    engine.start();
    try {
      await engine.waitFor((s, st) => s.synced && st === "live");
      await eventually(() => expect(snapshots.load()).toBeDefined());
      await c.removeMember(owner.orgID, accepted.user.id);
      await engine.waitFor((_s, st) => st === "revoked");
      await eventually(() => expect(snapshots.load()).toBeUndefined());
    } finally {
      await engine.close();
    }
    expect(snapshots.load()).toBeUndefined();
  });
});

describe("engine against a daemon process that stops and comes back", () => {
  let d: TestDaemon;
  let owner: OrgSetup;
  beforeAll(async () => {
    d = await startTestDaemon({ resendIntervalS: 0 });
    owner = await d.setupOrg();
  });
  afterAll(async () => {
    await d?.cleanup();
  });

  it("queues actions offline (across a client restart) and replays them in order, each exactly once", async () => {
    const existing = await d
      .client(owner.token)
      .createInvite(owner.orgID, { email: "old@example.com" });
    const store = new MemoryActionStore();
    const open = () =>
      SyncEngine.open({
        client: d.client(owner.token),
        orgID: owner.orgID,
        actorID: owner.userID,
        store,
        live: FAST,
        sendBackoff: { initialMs: 50, maxMs: 200 },
      });
    let engine = await open();
    engine.start();
    await engine.waitFor((s, st) => s.synced && st === "live");

    await d.stop();
    await engine.waitFor((_s, st) => st === "offline" || st === "reconnecting");
    const emails = ["q1@example.com", "q2@example.com", "q3@example.com"];
    for (const email of emails) expect(engine.submit({ type: "invite", email }).ok).toBe(true);
    expect(engine.submit({ type: "withdraw", inviteID: existing.id }).ok).toBe(true);
    await engine.waitFor((_s, st) => st === "offline");
    const view = engine.getView();
    expect(view.unsent).toBe(4);
    expect(view.invites.filter((i) => i.optimistic).map((i) => i.invite.email)).toEqual(
      expect.arrayContaining([...emails, "old@example.com"]),
    );
    expect(view.invites.find((i) => i.invite.id === existing.id)).toMatchObject({ removing: true });

    // The TUI quits and starts again while the daemon is still down: the queue comes back.
    await engine.close();
    expect(store.load().map((a) => a.kind.type)).toEqual([
      "invite",
      "invite",
      "invite",
      "withdraw",
    ]);
    engine = await open();
    engine.start();
    expect(engine.getView().unsent).toBe(4);

    await d.restart();
    try {
      await engine.waitFor((s) => s.pending.length === 0, 30_000);
      const log = await d.client(owner.token).changes(owner.orgID, 0);
      const mine = log.changes.filter(
        (c) =>
          (c.change.type === "invite.created" && emails.includes(c.change.invite.email)) ||
          (c.change.type === "invite.withdrawn" && c.change.invite.id === existing.id),
      );
      expect(
        mine.map((c) => (c.change.type === "invite.created" ? c.change.invite.email : "withdraw")),
      ).toEqual([...emails, "withdraw"]);
      expect(store.load()).toEqual([]);
      await expectConverged(engine, d.client(owner.token), owner.orgID);
    } finally {
      await engine.close();
    }
  });

  it("a client started while the daemon is down shows the saved lists, queues against them, then resumes from their version", async () => {
    const c = d.client(owner.token);
    const kept = await c.createInvite(owner.orgID, { email: "kept@example.com" });
    const store = new MemoryActionStore();
    const snapshots = new MemorySnapshotStore();
    const events: SyncEvent[] = [];
    const open = () =>
      SyncEngine.open({
        client: d.client(owner.token),
        orgID: owner.orgID,
        actorID: owner.userID,
        store,
        snapshotStore: snapshots,
        live: FAST,
        sendBackoff: { initialMs: 50, maxMs: 200 },
        onEvent: (e) => events.push(e),
      });
    let engine = await open();
    engine.start();
    await engine.waitFor((s, st) => s.synced && st === "live");
    await engine.close();
    const saved = snapshots.load()!;
    expect(saved.version).toBe(engine.getState().version);
    expect(saved.invites.map((i) => i.id)).toContain(kept.id);

    // A change the client will miss, then the daemon goes away.
    await c.createInvite(owner.orgID, { email: "missed@example.com" });
    await d.stop();

    events.length = 0;
    engine = await open();
    engine.start();
    try {
      let state = engine.getState();
      expect(state).toMatchObject({ version: saved.version, synced: false, cachedAt: saved.at });
      expect(engine.dataAsOf).toBe(saved.at);
      const before = engine.getView();
      expect(before.cachedAt).toBe(saved.at);
      expect(before.memberCount).toBe(saved.members.length);
      expect(before.invites.map((i) => i.invite.id)).toContain(kept.id);
      // Checked against the saved lists (R6), then queued rather than refused.
      const dup = engine.submit({ type: "invite", email: "kept@example.com" });
      expect(!dup.ok && dup.error.reason).toBe("already_invited");
      expect(engine.submit({ type: "invite", email: "offline@example.com" }).ok).toBe(true);
      expect(engine.submit({ type: "withdraw", inviteID: kept.id }).ok).toBe(true);
      await engine.waitFor((_s, st) => st === "offline");
      expect(engine.getView().unsent).toBe(2);

      await d.restart();
      state = await engine.waitFor(
        (s, st) => s.pending.length === 0 && s.synced && st === "live",
        30_000,
      );
      expect(state.cachedAt).toBeNull();
      // Resumed from the saved version: the missed changes, not a snapshot.
      expect(events.find((e) => e.type === "hello")).toEqual({
        type: "hello",
        since: saved.version,
      });
      expect(events.some((e) => e.type === "snapshot")).toBe(false);
      const log = await c.changes(owner.orgID, 0);
      expect(
        log.changes.filter(
          (x) =>
            x.change.type === "invite.created" && x.change.invite.email === "offline@example.com",
        ),
      ).toHaveLength(1);
      expect(state.server.invites.map((i) => i.email)).toEqual(
        expect.arrayContaining(["missed@example.com", "offline@example.com"]),
      );
      expect(state.server.invites.some((i) => i.id === kept.id)).toBe(false);
      await expectConverged(engine, c, owner.orgID);
    } finally {
      await engine.close();
    }
  });
});
