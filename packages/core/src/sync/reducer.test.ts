import { describe, expect, it } from "vitest";
import { makeMember, ModelServer } from "../../testing/index.ts";
import type { ActionKind } from "./pending-action.ts";
import { initialSyncState, reduce, reduceAll, type SyncEvent, type SyncState } from "./reducer.ts";
import { makePendingAction, selectView } from "./view.ts";
import type { ChangeMessage } from "../schemas.ts";

const T0 = Date.UTC(2025, 0, 1, 12);
const owner = makeMember("u1", "owner@example.com");

function setup() {
  const server = new ModelServer(owner, { orgID: "org1" });
  let state = initialSyncState("org1");
  state = reduce(state, { type: "hello", since: 0 });
  state = reduce(state, { type: "snapshot", snapshot: server.snapshot() });
  state = reduce(state, { type: "ready", version: server.version });
  return { server, state };
}

function must(r: ReturnType<ModelServer["run"]>): ChangeMessage {
  if (!r.ok) throw new Error(r.error.message);
  return r.entry;
}

const change = (c: ChangeMessage): SyncEvent => ({ type: "change", change: c });

/** The owner's action `id`, made at T0. */
const pending = (state: SyncState, kind: ActionKind, id: string) =>
  makePendingAction(state, kind, { id, actorID: "u1", now: T0 });

/** The owner invites `email` on the server. */
const invite = (server: ModelServer, email: string): ChangeMessage =>
  must(server.run("u1", { type: "invite", email, role: "owner" }, T0));

/** The ID of the invitation an `invite.created` change made. */
const createdID = (c: ChangeMessage): string =>
  c.change.type === "invite.created" ? c.change.invite.id : "";

describe("sync reducer: server stream", () => {
  it("starts empty and takes a snapshot", () => {
    const { server, state } = setup();
    expect(state.version).toBe(1);
    expect(state.server.members).toEqual([owner]);
    expect(state.org).toEqual(server.org);
    expect(state.synced).toBe(true);
    expect(state.live).toBe(true);
  });

  it("applies the next version and ignores duplicates and old ones", () => {
    const { server } = setup();
    let { state } = setup();
    const c2 = invite(server, "a@example.com");
    const c3 = invite(server, "b@example.com");
    state = reduceAll(state, [change(c2), change(c2), change(c3), change(c2), change(c3)]);
    expect(state.version).toBe(3);
    expect(state.server).toEqual(server.state);
    expect(state.needsResync).toBe(false);
  });

  it("detects a gap, keeps the state, ignores changes until the next hello, then resumes", () => {
    const { server } = setup();
    let { state } = setup();
    const c2 = invite(server, "a@example.com");
    const c3 = invite(server, "b@example.com");
    const c4 = invite(server, "c@example.com");
    const before = state;
    state = reduce(state, change(c3));
    expect(state.needsResync).toBe(true);
    expect(state.server).toBe(before.server);
    expect(state.version).toBe(1);
    // Even the right next version is ignored while resync is needed: the stream is not trusted.
    state = reduce(state, change(c2));
    expect(state.version).toBe(1);
    state = reduce(state, { type: "hello", since: state.version });
    expect(state.needsResync).toBe(false);
    state = reduceAll(
      state,
      server
        .catchUp(1)
        .map((m) => (m.type === "change" ? change(m) : { type: "snapshot", snapshot: m })),
    );
    state = reduce(state, { type: "ready", version: server.version });
    expect(state.version).toBe(c4.version);
    expect(state.server).toEqual(server.state);
    expect(state.live).toBe(true);
  });

  it("a ready beyond the applied version means something was lost", () => {
    let { state } = setup();
    state = reduce(state, { type: "hello", since: 1 });
    state = reduce(state, { type: "ready", version: 5 });
    expect(state.needsResync).toBe(true);
    expect(state.live).toBe(false);
  });

  it("ignores a snapshot of another org", () => {
    const other = new ModelServer(makeMember("x", "x@example.com"), { orgID: "org2" });
    const { state } = setup();
    expect(reduce(state, { type: "snapshot", snapshot: other.snapshot() })).toBe(state);
  });
});

describe("sync reducer: pending actions", () => {
  it("an invite is optimistic, then confirmed, then dropped when its change arrives", () => {
    const { server } = setup();
    let { state } = setup();
    const a = pending(state, { type: "invite", email: "new@example.com", role: "owner" }, "k1");
    state = reduce(state, { type: "submitted", action: a });
    let view = selectView(state, T0);
    expect(view.invites).toHaveLength(1);
    expect(view.invites[0]).toMatchObject({
      optimistic: true,
      invite: { email: "new@example.com" },
    });
    expect(view.unsent).toBe(1);

    state = reduce(state, { type: "sending", id: "k1" });
    expect(state.pending[0]).toMatchObject({ state: "sending", attempts: 1 });
    const c = must(server.run("u1", a.kind, T0));
    const inviteID = createdID(c);
    state = reduce(state, { type: "confirmed", id: "k1", result: { inviteID } });
    expect(state.pending[0]?.state).toBe("confirmed");
    view = selectView(state, T0);
    expect(view.invites).toHaveLength(1);
    expect(view.invites[0]?.optimistic).toBe(true);

    state = reduce(state, change(c));
    expect(state.pending).toHaveLength(0);
    view = selectView(state, T0);
    expect(view.invites).toHaveLength(1);
    expect(view.invites[0]).toMatchObject({ optimistic: false, invite: { id: inviteID } });
  });

  it("the change arriving before the confirmation is not applied twice", () => {
    const { server } = setup();
    let { state } = setup();
    const a = pending(state, { type: "invite", email: "new@example.com", role: "owner" }, "k1");
    state = reduce(state, { type: "submitted", action: a });
    state = reduce(state, { type: "sending", id: "k1" });
    const c = must(server.run("u1", a.kind, T0));
    state = reduce(state, change(c));
    // Still unconfirmed, but the server's row is the only one.
    let view = selectView(state, T0);
    expect(view.invites).toHaveLength(1);
    expect(view.invites[0]).toMatchObject({ optimistic: false, pendingAction: { id: "k1" } });
    const inviteID = createdID(c);
    state = reduce(state, { type: "confirmed", id: "k1", result: { inviteID } });
    expect(state.pending).toHaveLength(0);
    view = selectView(state, T0);
    expect(view.invites).toHaveLength(1);
  });

  it("a rejected action stays visible with its error until dismissed, and is not applied", () => {
    let { state } = setup();
    const a = pending(state, { type: "remove", userID: "ghost" }, "k9");
    state = reduce(state, { type: "submitted", action: a });
    state = reduce(state, { type: "sending", id: "k9" });
    state = reduce(state, {
      type: "rejected",
      id: "k9",
      error: {
        code: "not found",
        reason: "member_not_found",
        message: "That user is not a member of this organization.",
      },
    });
    const view = selectView(state, T0);
    expect(view.failed).toHaveLength(1);
    expect(view.failed[0]?.error?.reason).toBe("member_not_found");
    expect(view.members.map((m) => m.member.userID)).toEqual(["u1"]);
    state = reduce(state, { type: "dismissed", id: "k9" });
    expect(state.pending).toHaveLength(0);
  });

  it("deferred (unreachable) goes back to queued; confirmed is never re-queued", () => {
    let { state } = setup();
    const a = pending(state, { type: "invite", email: "q@example.com", role: "owner" }, "k2");
    state = reduceAll(state, [
      { type: "submitted", action: a },
      { type: "sending", id: "k2" },
      { type: "deferred", id: "k2" },
    ]);
    expect(state.pending[0]).toMatchObject({ state: "queued", attempts: 1 });
    state = reduceAll(state, [
      { type: "sending", id: "k2" },
      { type: "confirmed", id: "k2", result: { inviteID: "inv-x" } },
    ]);
    expect(state.pending[0]).toMatchObject({ state: "confirmed", attempts: 2 });
    expect(reduce(state, { type: "deferred", id: "k2" })).toBe(state);
    expect(
      reduce(state, { type: "rejected", id: "k2", error: { code: "conflict", message: "x" } }),
    ).toBe(state);
  });

  it("a snapshot on a later connection settles confirmed actions even when the change was never seen", () => {
    const { server } = setup();
    let { state } = setup();
    const inv = invite(server, "w@example.com");
    state = reduce(state, change(inv));
    const inviteID = createdID(inv);
    const w = pending(state, { type: "withdraw", inviteID }, "k3");
    state = reduceAll(state, [
      { type: "submitted", action: w },
      { type: "sending", id: "k3" },
    ]);
    must(server.run("u1", w.kind, T0));
    // The same email invited again after the withdrawal: "invite absent" alone would not settle it.
    invite(server, "w@example.com");
    state = reduce(state, { type: "confirmed", id: "k3" });
    expect(state.pending).toHaveLength(1);
    state = reduce(state, { type: "hello", since: 0 });
    state = reduce(state, { type: "snapshot", snapshot: server.snapshot() });
    expect(state.pending).toHaveLength(0);
    expect(state.server).toEqual(server.state);
  });

  it("restored actions: sending → queued, duplicates ignored, other orgs ignored", () => {
    let { state } = setup();
    const a = pending(state, { type: "remove", userID: "u2" }, "r1");
    const b = {
      ...pending(state, { type: "remove", userID: "u3" }, "r2"),
      orgID: "other",
    };
    state = reduce(state, { type: "restored", actions: [{ ...a, state: "sending" }, b] });
    expect(state.pending).toEqual([{ ...a, state: "queued" }]);
    expect(reduce(state, { type: "restored", actions: [a] })).toBe(state);
  });

  it("withdraw and remove keep their rows, marked removing, until the change arrives", () => {
    const { server } = setup();
    let { state } = setup();
    const m2 = invite(server, "m2@example.com");
    const inviteID = createdID(m2);
    const acc = server.accept(inviteID, T0)!;
    const inv = invite(server, "p@example.com");
    state = reduceAll(state, [change(m2), change(acc), change(inv)]);
    const newMember = acc.change.type === "invite.accepted" ? acc.change.member.userID : "";
    const pid = createdID(inv);
    state = reduce(state, {
      type: "submitted",
      action: pending(state, { type: "remove", userID: newMember }, "x1"),
    });
    state = reduce(state, {
      type: "submitted",
      action: pending(state, { type: "withdraw", inviteID: pid }, "x2"),
    });
    const view = selectView(state, T0);
    expect(view.members.find((m) => m.member.userID === newMember)).toMatchObject({
      removing: true,
      optimistic: true,
    });
    expect(view.invites.find((i) => i.invite.id === pid)).toMatchObject({
      removing: true,
      invite: { status: "withdrawn" },
    });
    expect(view.memberCount).toBe(1);
    expect(view.pendingCount).toBe(0);
    state = reduceAll(state, [
      change(must(server.run("u1", { type: "remove", userID: newMember }, T0))),
      change(must(server.run("u1", { type: "withdraw", inviteID: pid }, T0))),
      { type: "confirmed", id: "x1" },
      { type: "confirmed", id: "x2" },
    ]);
    expect(state.pending).toHaveLength(0);
    const after = selectView(state, T0);
    expect(after.members.map((m) => m.member.userID)).toEqual(["u1"]);
    expect(after.invites).toHaveLength(0);
  });
});
