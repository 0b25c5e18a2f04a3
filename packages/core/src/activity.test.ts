import { describe, expect, it } from "vitest";
import { activityMatches, describeChange } from "./activity.ts";
import type { ChangeEntry, Invite, Member } from "./schemas.ts";

const at = "2026-01-01T10:00:00.000Z";
const actor = { userID: "u1", email: "boss@x.io" };
const invite: Invite = {
  id: "i1",
  orgID: "o1",
  email: "new@x.io",
  role: "owner",
  status: "pending",
  invitedBy: "u1",
  createdAt: at,
  sentAt: at,
  expiresAt: at,
  sendCount: 2,
  delivery: { state: "failed", lastError: "ECONNREFUSED" },
};
const member: Member = { userID: "u2", email: "new@x.io", name: "N", role: "owner", joinedAt: at };
const entry = (version: number, change: ChangeEntry["change"], who = actor): ChangeEntry => ({
  version,
  at,
  actor: who,
  change,
});

describe("describeChange", () => {
  it("says who did what to whom, for every kind of change", () => {
    const lines = [
      entry(1, { type: "invite.created", invite }),
      entry(2, { type: "invite.resent", invite }),
      entry(3, { type: "invite.withdrawn", invite }),
      entry(4, { type: "invite.accepted", invite, member }, null as never),
      entry(5, { type: "member.added", member }),
      entry(6, { type: "member.removed", userID: "u2", email: "new@x.io" }),
      entry(7, { type: "invite.delivery", invite }, null as never),
    ].map(describeChange);
    expect(lines.map((l) => [l.version, l.actor, l.what, l.whom])).toEqual([
      [1, "boss@x.io", "invited as owner", "new@x.io"],
      [2, "boss@x.io", "resent invitation (2×)", "new@x.io"],
      [3, "boss@x.io", "withdrew invitation", "new@x.io"],
      [4, "new@x.io", "accepted, joined (owner)", "new@x.io"],
      [5, "boss@x.io", "added as owner", "new@x.io"],
      [6, "boss@x.io", "removed", "new@x.io"],
      [7, "roster", "email failed: ECONNREFUSED", "new@x.io"],
    ]);
    expect(lines[0]!.at).toBe(at);
  });

  it("filters on actor, what and whom", () => {
    const l = describeChange(entry(1, { type: "invite.created", invite }));
    expect(activityMatches(l, "BOSS")).toBe(true);
    expect(activityMatches(l, "invited")).toBe(true);
    expect(activityMatches(l, "new@")).toBe(true);
    expect(activityMatches(l, "withdrew")).toBe(false);
    expect(activityMatches(l, "  ")).toBe(true);
  });
});
