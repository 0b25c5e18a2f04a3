import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Invite, Member } from "./schemas.ts";
import {
  DEFAULT_SORT,
  INVITE_SORT_COLUMNS,
  MEMBER_SORT_COLUMNS,
  cycleSort,
  describeSort,
  normalizeSort,
  parseSortColumn,
  reverseSort,
  sortInvites,
  sortMembers,
  type InviteSort,
  type MemberSort,
} from "./sort.ts";

const NOW = Date.UTC(2026, 0, 10);
const H = 3_600_000;

const member = (userID: string, email: string, name: string, joinedH: number): Member => ({
  userID,
  email,
  name,
  role: "owner",
  joinedAt: new Date(NOW - joinedH * H).toISOString(),
});

const invite = (
  id: string,
  email: string,
  expiresInH: number,
  delivery: Invite["delivery"]["state"],
  status: Invite["status"] = "pending",
): Invite => ({
  id,
  orgID: "o1",
  email,
  role: "owner",
  status,
  invitedBy: "u1",
  createdAt: new Date(NOW - 72 * H + expiresInH * H).toISOString(),
  sentAt: new Date(NOW - 72 * H + expiresInH * H).toISOString(),
  expiresAt: new Date(NOW + expiresInH * H).toISOString(),
  sendCount: 1,
  delivery: { state: delivery },
});

describe("sorting members", () => {
  const ms = [
    member("u1", "carol@x.io", "Adams", 1),
    member("u2", "Alice@x.io", "zed", 30),
    member("u3", "bob@x.io", "", 5),
  ];
  const emails = (s: MemberSort) => sortMembers(ms, s).map((m) => m.email);

  it("sorts by each column, ascending and reversed", () => {
    expect(emails({ column: "email", reverse: false })).toEqual([
      "Alice@x.io",
      "bob@x.io",
      "carol@x.io",
    ]);
    expect(emails({ column: "name", reverse: false })).toEqual([
      "bob@x.io",
      "carol@x.io",
      "Alice@x.io",
    ]);
    // One role today: the ties fall back to the email.
    expect(emails({ column: "role", reverse: false })).toEqual([
      "Alice@x.io",
      "bob@x.io",
      "carol@x.io",
    ]);
    expect(emails({ column: "joined", reverse: false })).toEqual([
      "Alice@x.io",
      "bob@x.io",
      "carol@x.io",
    ]);
    expect(emails({ column: "joined", reverse: true })).toEqual([
      "carol@x.io",
      "bob@x.io",
      "Alice@x.io",
    ]);
  });

  it("does not change its input", () => {
    const copy = [...ms];
    sortMembers(ms, { column: "name", reverse: true });
    expect(ms).toEqual(copy);
  });
});

describe("sorting invitations", () => {
  const is = [
    invite("i1", "dan@x.io", 10, "sent"),
    invite("i2", "amy@x.io", -2, "failed"),
    invite("i3", "eve@x.io", 70, "queued"),
    invite("i4", "bea@x.io", 40, "sent", "withdrawn"),
  ];
  const emails = (s: InviteSort) => sortInvites(is, s, NOW).map((i) => i.email);

  it("sorts by each column", () => {
    expect(emails({ column: "email", reverse: false })).toEqual([
      "amy@x.io",
      "bea@x.io",
      "dan@x.io",
      "eve@x.io",
    ]);
    // pending, expired (by the clock), then withdrawn.
    expect(emails({ column: "status", reverse: false })).toEqual([
      "dan@x.io",
      "eve@x.io",
      "amy@x.io",
      "bea@x.io",
    ]);
    expect(emails({ column: "expires", reverse: false })).toEqual([
      "amy@x.io",
      "dan@x.io",
      "bea@x.io",
      "eve@x.io",
    ]);
    // Problems first: failed, queued, sent.
    expect(emails({ column: "delivery", reverse: false })).toEqual([
      "amy@x.io",
      "eve@x.io",
      "bea@x.io",
      "dan@x.io",
    ]);
  });

  it("by default shows the newest sent first", () => {
    expect(emails(DEFAULT_SORT.invites)[0]).toBe("eve@x.io");
  });
});

describe("the sort keys", () => {
  it("s cycles through every column of a list and comes back", () => {
    let s: MemberSort = DEFAULT_SORT.members;
    const seen: string[] = [];
    for (let n = 0; n < MEMBER_SORT_COLUMNS.length; n++) {
      seen.push(s.column);
      s = cycleSort("members", { ...s, reverse: true });
      expect(s.reverse).toBe(false);
    }
    expect(new Set(seen)).toEqual(new Set(MEMBER_SORT_COLUMNS));
    expect(s.column).toBe(DEFAULT_SORT.members.column);
    let i: InviteSort = DEFAULT_SORT.invites;
    const seenI = new Set<string>();
    for (let n = 0; n < INVITE_SORT_COLUMNS.length; n++) {
      seenI.add(i.column);
      i = cycleSort("invites", i);
    }
    expect(seenI).toEqual(new Set(INVITE_SORT_COLUMNS));
  });

  it("S reverses, and the header says which way", () => {
    const s = reverseSort(DEFAULT_SORT.members);
    expect(s).toEqual({ column: "email", reverse: true });
    expect(describeSort(s)).toBe("email ↓");
    expect(describeSort(reverseSort(s))).toBe("email ↑");
  });

  it("parses column names case-insensitively, per list", () => {
    expect(parseSortColumn("members", "Joined")).toBe("joined");
    expect(parseSortColumn("invites", "expiry")).toBe("expires");
    expect(parseSortColumn("invites", "name")).toBeUndefined();
    expect(parseSortColumn("members", "delivery")).toBeUndefined();
  });

  it("a stored sort that is not valid falls back to the default", () => {
    expect(normalizeSort("members", { column: "bogus", reverse: true })).toEqual(
      DEFAULT_SORT.members,
    );
    expect(normalizeSort("invites", null)).toEqual(DEFAULT_SORT.invites);
    expect(normalizeSort("invites", { column: "delivery", reverse: true })).toEqual({
      column: "delivery",
      reverse: true,
    });
  });
});

const memberArb = fc.record({
  userID: fc.uuid(),
  email: fc.emailAddress(),
  name: fc.string({ maxLength: 8 }),
  role: fc.constant("owner" as const),
  joinedAt: fc.integer({ min: 0, max: 1e12 }).map((t) => new Date(t).toISOString()),
});
const inviteArb = fc
  .record({
    id: fc.uuid(),
    email: fc.emailAddress(),
    expiresIn: fc.integer({ min: -100, max: 100 }),
    delivery: fc.constantFrom("queued" as const, "sent" as const, "failed" as const),
    status: fc.constantFrom("pending" as const, "accepted" as const, "withdrawn" as const),
  })
  .map((r) => invite(r.id, r.email, r.expiresIn, r.delivery, r.status));

describe("sorting, for any list", () => {
  it("gives a permutation in order, and reversed is the exact mirror", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(memberArb, { selector: (m) => m.userID, maxLength: 30 }),
        fc.constantFrom(...MEMBER_SORT_COLUMNS),
        (ms, column) => {
          const up = sortMembers(ms, { column, reverse: false });
          const down = sortMembers(ms, { column, reverse: true });
          expect(new Set(up)).toEqual(new Set(ms));
          expect(up).toHaveLength(ms.length);
          expect(down).toEqual([...up].reverse());
          // Sorting a sorted list changes nothing, whatever order it came in.
          expect(sortMembers([...ms].reverse(), { column, reverse: false })).toEqual(up);
          for (let k = 1; k < up.length; k++) {
            const a = up[k - 1]!;
            const b = up[k]!;
            if (column === "joined")
              expect(Date.parse(a.joinedAt)).toBeLessThanOrEqual(Date.parse(b.joinedAt));
            if (column === "email")
              expect(a.email.toLowerCase() <= b.email.toLowerCase()).toBe(true);
          }
        },
      ),
    );
  });

  it("invitations too", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(inviteArb, { selector: (i) => i.id, maxLength: 30 }),
        fc.constantFrom(...INVITE_SORT_COLUMNS),
        (is, column) => {
          const up = sortInvites(is, { column, reverse: false }, NOW);
          const down = sortInvites(is, { column, reverse: true }, NOW);
          expect(up).toHaveLength(is.length);
          expect(new Set(up)).toEqual(new Set(is));
          expect(down).toEqual([...up].reverse());
          expect(sortInvites([...is].reverse(), { column, reverse: false }, NOW)).toEqual(up);
          for (let k = 1; k < up.length; k++) {
            if (column === "expires")
              expect(Date.parse(up[k - 1]!.expiresAt)).toBeLessThanOrEqual(
                Date.parse(up[k]!.expiresAt),
              );
          }
        },
      ),
    );
  });
});
