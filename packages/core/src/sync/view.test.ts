import { describe, expect, it } from "vitest";
import { errors } from "../errors.ts";
import { DEFAULT_LIMITS } from "../rules.ts";
import { makeMember, ModelServer } from "../../testing/index.ts";
import { initialSyncState, reduce, type SyncState } from "./reducer.ts";
import { makePendingAction, selectView, validateLocally, type ActionInput } from "./view.ts";

const T0 = Date.UTC(2025, 0, 1, 12);
const owner = makeMember("u1", "owner@example.com");

function synced(server: ModelServer): SyncState {
  let s = initialSyncState("org1");
  s = reduce(s, { type: "hello", since: 0 });
  s = reduce(s, { type: "snapshot", snapshot: server.snapshot() });
  return reduce(s, { type: "ready", version: server.version });
}

function submit(state: SyncState, input: ActionInput, id: string, now = T0): SyncState {
  const v = validateLocally(state, input, "u1", now);
  if (!v.ok) throw new Error(v.error.message);
  return reduce(state, {
    type: "submitted",
    action: makePendingAction(state, v.value.kind, { id, actorID: "u1", now }),
  });
}

describe("validateLocally: the rules core can check before sending, with the daemon's words", () => {
  const server = new ModelServer(owner, { orgID: "org1" });
  const state = synced(server);

  it("R2: one email at a time", () => {
    for (const email of ["a@x.io, b@x.io", "a@x.io b@x.io", ["a@x.io"]]) {
      const r = validateLocally(state, { type: "invite", email }, "u1", T0);
      expect(r).toEqual({ ok: false, error: errors.multipleEmails() });
    }
  });

  it("R3: trimmed, lower-cased, valid", () => {
    const r = validateLocally(state, { type: "invite", email: "  Ada@Example.COM " }, "u1", T0);
    expect(r.ok && r.value.kind).toEqual({
      type: "invite",
      email: "ada@example.com",
      role: "owner",
    });
    expect(validateLocally(state, { type: "invite", email: "nope" }, "u1", T0)).toEqual({
      ok: false,
      error: errors.invalidEmail("nope"),
    });
    expect(
      validateLocally(state, { type: "invite", email: "a@x.io", role: "admin" }, "u1", T0),
    ).toEqual({
      ok: false,
      error: errors.invalidRole("admin"),
    });
  });

  it("R6: already a member, already invited — also by an action not confirmed yet", () => {
    expect(
      validateLocally(state, { type: "invite", email: "OWNER@example.com" }, "u1", T0),
    ).toEqual({
      ok: false,
      error: errors.alreadyMember("owner@example.com"),
    });
    const s = submit(state, { type: "invite", email: "new@x.io" }, "k1");
    expect(validateLocally(s, { type: "invite", email: "new@x.io" }, "u1", T0)).toEqual({
      ok: false,
      error: errors.alreadyInvited("new@x.io"),
    });
  });

  it("R5: the 51st pending invitation is refused, optimistic ones counted", () => {
    const srv = new ModelServer(owner, { orgID: "org1" });
    for (let i = 0; i < 45; i++)
      srv.run("u1", { type: "invite", email: `s${i}@x.io`, role: "owner" }, T0);
    let s = synced(srv);
    for (let i = 0; i < 5; i++) s = submit(s, { type: "invite", email: `o${i}@x.io` }, `k${i}`);
    expect(selectView(s, T0).pendingCount).toBe(50);
    expect(validateLocally(s, { type: "invite", email: "one-more@x.io" }, "u1", T0)).toEqual({
      ok: false,
      error: errors.pendingLimit(DEFAULT_LIMITS.pendingLimit),
    });
  });

  it("R11: nobody removes themselves", () => {
    expect(validateLocally(state, { type: "remove", userID: "u1" }, "u1", T0)).toEqual({
      ok: false,
      error: errors.cannotRemoveSelf(),
    });
  });

  it("R7: resending too soon is refused with the seconds to wait", () => {
    const srv = new ModelServer(owner, { orgID: "org1" });
    const c = srv.run("u1", { type: "invite", email: "r@x.io", role: "owner" }, T0);
    const id = c.ok && c.entry.change.type === "invite.created" ? c.entry.change.invite.id : "";
    const s = synced(srv);
    expect(validateLocally(s, { type: "resend", inviteID: id }, "u1", T0 + 20_000)).toEqual({
      ok: false,
      error: errors.resendTooSoon(40),
    });
    expect(validateLocally(s, { type: "resend", inviteID: id }, "u1", T0 + 61_000).ok).toBe(true);
  });

  it("acting on an invitation the daemon has not confirmed, or twice, is refused", () => {
    const s = submit(state, { type: "invite", email: "fresh@x.io" }, "k7");
    const row = selectView(s, T0).invites.find((i) => i.invite.email === "fresh@x.io")!;
    expect(row.optimistic).toBe(true);
    const w = validateLocally(s, { type: "withdraw", inviteID: row.invite.id }, "u1", T0);
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.error.message).toMatch(/not confirmed/);

    const srv = new ModelServer(owner, { orgID: "org1" });
    const c = srv.run("u1", { type: "invite", email: "w@x.io", role: "owner" }, T0);
    const id = c.ok && c.entry.change.type === "invite.created" ? c.entry.change.invite.id : "";
    let s2 = synced(srv);
    s2 = submit(s2, { type: "withdraw", inviteID: id }, "w1");
    const again = validateLocally(s2, { type: "withdraw", inviteID: id }, "u1", T0);
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.message).toMatch(/already waiting/);
  });

  it("a non-member cannot act: the org is not found", () => {
    expect(validateLocally(state, { type: "invite", email: "a@x.io" }, "stranger", T0)).toEqual({
      ok: false,
      error: errors.orgNotFound(),
    });
  });
});

describe("selectView", () => {
  it("derives expiry at `now` and counts pending after optimistic actions", () => {
    const srv = new ModelServer(owner, { orgID: "org1" });
    srv.run("u1", { type: "invite", email: "old@x.io", role: "owner" }, T0 - 80 * 3600e3);
    srv.run("u1", { type: "invite", email: "new@x.io", role: "owner" }, T0);
    const view = selectView(synced(srv), T0);
    expect(view.invites.map((i) => [i.invite.email, i.invite.status])).toEqual([
      ["old@x.io", "expired"],
      ["new@x.io", "pending"],
    ]);
    expect(view.pendingCount).toBe(1);
    expect(view.memberCount).toBe(1);
  });

  it("a resend shows the new send count once, marked optimistic", () => {
    const srv = new ModelServer(owner, { orgID: "org1" });
    const c = srv.run("u1", { type: "invite", email: "r@x.io", role: "owner" }, T0);
    const id = c.ok && c.entry.change.type === "invite.created" ? c.entry.change.invite.id : "";
    let s = synced(srv);
    s = submit(s, { type: "resend", inviteID: id }, "r1", T0 + 120_000);
    const row = selectView(s, T0 + 120_000).invites[0]!;
    expect(row).toMatchObject({
      optimistic: true,
      invite: { sendCount: 2 },
      pendingAction: { id: "r1" },
    });
    // The daemon's change arrives before the confirmation: still 2, not 3.
    const r = srv.run("u1", { type: "resend", inviteID: id }, T0 + 120_000);
    if (!r.ok) throw new Error(r.error.message);
    s = reduce(s, { type: "change", change: r.entry });
    const after = selectView(s, T0 + 120_000).invites[0]!;
    expect(after.invite.sendCount).toBe(2);
    expect(after.optimistic).toBe(false);
    expect(after.pendingAction?.id).toBe("r1");
  });
});
