/**
 * A client restarted while the daemon is away starts from its saved server
 * state (`restored-snapshot`): lists, local checks and rebased actions work
 * on it, and the daemon's catch-up (changes after its version, a gap, or a
 * snapshot) takes over from there.
 */
import { describe, expect, it } from "vitest";
import { makeMember, ModelServer } from "../../testing/index.ts";
import {
  initialSyncState,
  reduce,
  reduceAll,
  savedSnapshotOf,
  type SyncEvent,
  type SyncState,
} from "./reducer.ts";
import { parseSavedSnapshot, type SavedSnapshot } from "./saved-snapshot.ts";
import { makePendingAction, selectView, validateLocally } from "./view.ts";
import type { ChangeMessage } from "../schemas.ts";
import type { PendingAction } from "./pending-action.ts";

const T0 = Date.UTC(2025, 0, 1, 12);
const SAVED_AT = T0 - 5 * 60_000;
const owner = makeMember("u1", "owner@example.com");

function must(r: ReturnType<ModelServer["run"]>): ChangeMessage {
  if (!r.ok) throw new Error(r.error.message);
  return r.entry;
}

const change = (c: ChangeMessage): SyncEvent => ({ type: "change", change: c });
const inviteIDOf = (c: ChangeMessage) =>
  c.change.type === "invite.created" ? c.change.invite.id : "";

/** A daemon with a member and an invitation, and what a client saved of it. */
function world() {
  const server = new ModelServer(owner, { orgID: "org1" });
  const inv = must(
    server.run("u1", { type: "invite", email: "kept@example.com", role: "owner" }, T0),
  );
  const m2 = must(server.run("u1", { type: "invite", email: "m2@example.com", role: "owner" }, T0));
  const acc = server.accept(inviteIDOf(m2), T0, "u2");
  expect(acc).not.toBeNull();
  let live = initialSyncState("org1");
  live = reduceAll(live, [
    { type: "hello", since: 0 },
    { type: "snapshot", snapshot: server.snapshot() },
    { type: "ready", version: server.version },
  ]);
  const saved = savedSnapshotOf(live, SAVED_AT)!;
  return { server, saved, keptID: inviteIDOf(inv) };
}

/** Collect what the daemon answers to hello{since} into reducer events. */
function catchUp(server: ModelServer, since: number): SyncEvent[] {
  return [
    { type: "hello", since },
    ...server
      .catchUp(since)
      .map((m): SyncEvent => (m.type === "change" ? change(m) : { type: "snapshot", snapshot: m })),
    { type: "ready", version: server.version },
  ];
}

function restore(saved: SavedSnapshot, pending: PendingAction[] = []): SyncState {
  let s = initialSyncState("org1");
  s = reduce(s, { type: "restored-snapshot", snapshot: saved });
  return reduce(s, { type: "restored", actions: pending });
}

describe("saved snapshots", () => {
  it("savedSnapshotOf needs a loaded state, and parses back (other orgs and junk refused)", () => {
    expect(savedSnapshotOf(initialSyncState("org1"), T0)).toBeUndefined();
    const { saved } = world();
    expect(saved).toMatchObject({ orgID: "org1", version: 4, at: SAVED_AT });
    expect(saved.members.map((m) => m.userID)).toEqual(["u1", "u2"]);
    const roundTrip = parseSavedSnapshot(JSON.parse(JSON.stringify(saved)), "org1");
    expect(roundTrip).toEqual(saved);
    expect(parseSavedSnapshot(saved, "org2")).toBeUndefined();
    expect(parseSavedSnapshot({ ...saved, version: 0 })).toBeUndefined();
    expect(parseSavedSnapshot({ ...saved, members: "x" })).toBeUndefined();
    expect(parseSavedSnapshot(null)).toBeUndefined();
  });
});

describe("sync reducer: restored snapshot", () => {
  it("shows the saved lists, not synced, not live, with their age; local checks work on them", () => {
    const { saved, keptID } = world();
    const state = restore(saved);
    expect(state).toMatchObject({
      version: 4,
      synced: false,
      live: false,
      cachedAt: SAVED_AT,
      needsSnapshot: false,
      org: saved.org,
    });
    const view = selectView(state, T0);
    expect(view.cachedAt).toBe(SAVED_AT);
    expect(view.memberCount).toBe(2);
    expect(view.pendingCount).toBe(1);
    expect(view.invites.map((i) => i.invite.id)).toEqual([keptID]);

    // R6, R11 and R3 from the saved lists, with the daemon's messages.
    const again = validateLocally(state, { type: "invite", email: "KEPT@example.com" }, "u1", T0);
    expect(!again.ok && again.error.reason).toBe("already_invited");
    const member = validateLocally(state, { type: "invite", email: "m2@example.com" }, "u1", T0);
    expect(!member.ok && member.error.reason).toBe("already_member");
    const self = validateLocally(state, { type: "remove", userID: "u1" }, "u1", T0);
    expect(!self.ok && self.error.reason).toBe("cannot_remove_self");
    const bad = validateLocally(state, { type: "invite", email: "a@b.c, d@e.f" }, "u1", T0);
    expect(!bad.ok && bad.error.code).toBe("invalid");
    expect(validateLocally(state, { type: "remove", userID: "u2" }, "u1", T0).ok).toBe(true);
    expect(validateLocally(state, { type: "withdraw", inviteID: keptID }, "u1", T0).ok).toBe(true);
  });

  it("actions queued on it are rebased on it and based on its version", () => {
    const { saved, keptID } = world();
    let state = restore(saved);
    const add = makePendingAction(
      state,
      { type: "invite", email: "new@example.com", role: "owner" },
      { id: "a1", actorID: "u1", now: T0 },
    );
    const wd = makePendingAction(
      state,
      { type: "withdraw", inviteID: keptID },
      { id: "a2", actorID: "u1", now: T0 },
    );
    expect(add.baseVersion).toBe(4);
    state = reduceAll(state, [
      { type: "submitted", action: add },
      { type: "submitted", action: wd },
    ]);
    const view = selectView(state, T0);
    expect(view.unsent).toBe(2);
    expect(view.invites.map((i) => [i.invite.email, i.optimistic, i.removing])).toEqual([
      ["kept@example.com", true, true],
      ["new@example.com", true, false],
    ]);
    expect(view.pendingCount).toBe(1);
  });

  it("catch-up after its version: only the missed changes, then synced and live", () => {
    const { server, saved } = world();
    let state = restore(saved);
    // While the client was away someone invited another person.
    const missed = must(
      server.run("u1", { type: "invite", email: "later@example.com", role: "owner" }, T0),
    );
    const events = catchUp(server, state.version);
    expect(events.filter((e) => e.type === "snapshot")).toHaveLength(0);
    state = reduceAll(state, events);
    expect(state).toMatchObject({
      version: missed.version,
      synced: true,
      live: true,
      cachedAt: null,
    });
    expect(state.server).toEqual(server.state);
  });

  it("a gap after it asks for a resync; a snapshot (log pruned) replaces it", () => {
    const { server, saved } = world();
    let state = restore(saved);
    must(server.run("u1", { type: "invite", email: "g1@example.com", role: "owner" }, T0));
    const c6 = must(
      server.run("u1", { type: "invite", email: "g2@example.com", role: "owner" }, T0),
    );
    state = reduceAll(state, [{ type: "hello", since: 4 }, change(c6)]);
    expect(state.needsResync).toBe(true);
    expect(state.version).toBe(4);
    expect(state.synced).toBe(false);

    server.prune(1);
    const events = catchUp(server, state.version);
    expect(events.some((e) => e.type === "snapshot")).toBe(true);
    state = reduceAll(state, events);
    expect(state).toMatchObject({ version: c6.version, synced: true, cachedAt: null });
    expect(state.server).toEqual(server.state);
  });

  it("is ignored once the daemon has said anything newer, for another org, or when older", () => {
    const { server, saved } = world();
    let live = initialSyncState("org1");
    live = reduceAll(live, catchUp(server, 0));
    expect(reduce(live, { type: "restored-snapshot", snapshot: saved })).toBe(live);
    const fresh = initialSyncState("org1");
    expect(
      reduce(fresh, { type: "restored-snapshot", snapshot: { ...saved, orgID: "org2" } }),
    ).toBe(fresh);
    const restored = restore(saved);
    expect(
      reduce(restored, { type: "restored-snapshot", snapshot: { ...saved, version: 3 } }),
    ).toBe(restored);
  });

  it("a queued invite replayed after the restart settles with its change: one row, exactly once", () => {
    const { server, saved } = world();
    let state = restore(saved);
    const add = makePendingAction(
      state,
      { type: "invite", email: "q@example.com", role: "owner" },
      { id: "q1", actorID: "u1", now: T0 },
    );
    state = reduce(state, { type: "submitted", action: add });
    // The daemon comes back: catch-up first, then the replay is confirmed.
    state = reduceAll(state, catchUp(server, state.version));
    state = reduce(state, { type: "sending", id: "q1" });
    const c = must(server.run("u1", add.kind, T0));
    state = reduceAll(state, [
      { type: "confirmed", id: "q1", result: { inviteID: inviteIDOf(c) } },
      change(c),
    ]);
    expect(state.pending).toHaveLength(0);
    const rows = selectView(state, T0).invites.filter((i) => i.invite.email === "q@example.com");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.optimistic).toBe(false);
  });

  it("pending actions of the earlier run: started ones become uncertain, settled confirmations drop", () => {
    const { server, saved, keptID } = world();
    const base = restore(saved);
    const sent = {
      ...makePendingAction(
        base,
        { type: "remove", userID: "u2" },
        { id: "p1", actorID: "u1", now: T0 },
      ),
      state: "sending" as const,
      attempts: 1,
    };
    // Confirmed before the save, and the saved lists already show its effect.
    const shown: PendingAction = {
      ...makePendingAction(
        base,
        { type: "invite", email: "kept@example.com", role: "owner" },
        { id: "p2", actorID: "u1", now: T0 },
      ),
      baseVersion: 1,
      state: "confirmed",
      attempts: 1,
      result: { inviteID: keptID },
    };
    const state = restore(saved, [sent, shown]);
    expect(state.pending.map((a) => [a.id, a.state, a.uncertain ?? false])).toEqual([
      ["p1", "queued", true],
    ]);
    expect(state.needsSnapshot).toBe(false);
    expect(server.version).toBe(4);
  });

  it("a confirmation the saved lists do not show can only be settled by a fresh snapshot", () => {
    const { server, saved } = world();
    // Committed and withdrawn again before the save: no later change will ever mention it.
    const c = must(
      server.run("u1", { type: "invite", email: "gone@example.com", role: "owner" }, T0),
    );
    must(server.run("u1", { type: "withdraw", inviteID: inviteIDOf(c) }, T0));
    let live = initialSyncState("org1");
    live = reduceAll(live, catchUp(server, 0));
    const laterSave = savedSnapshotOf(live, SAVED_AT)!;
    const confirmed: PendingAction = {
      ...makePendingAction(
        restore(saved),
        { type: "invite", email: "gone@example.com", role: "owner" },
        { id: "c1", actorID: "u1", now: T0 },
      ),
      state: "confirmed",
      attempts: 1,
      result: { inviteID: inviteIDOf(c) },
    };
    let state = restore(laterSave, [confirmed]);
    expect(state.needsSnapshot).toBe(true);
    // Still shown as the user's own unconfirmed row until then.
    expect(selectView(state, T0).invites.some((i) => i.invite.email === "gone@example.com")).toBe(
      true,
    );
    const since = state.needsSnapshot ? 0 : state.version;
    expect(since).toBe(0);
    state = reduceAll(state, catchUp(server, since));
    expect(state.pending).toHaveLength(0);
    expect(state.needsSnapshot).toBe(false);
    expect(selectView(state, T0).invites.some((i) => i.invite.email === "gone@example.com")).toBe(
      false,
    );
  });
});
