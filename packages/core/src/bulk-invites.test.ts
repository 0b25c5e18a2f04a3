import { describe, expect, it } from "vitest";
import { parseAddressList, planBulkInvites, splitCsvLine, type ListEntry } from "./bulk-invites.ts";
import type { OrgState } from "./rules.ts";
import type { Invite, Member } from "./schemas.ts";

const NOW = Date.UTC(2026, 0, 1);
const owner: Member = {
  userID: "u1",
  email: "owner@x.io",
  name: "O",
  role: "owner",
  joinedAt: new Date(NOW - 1e6).toISOString(),
};
const pending = (id: string, email: string): Invite => ({
  id,
  orgID: "o1",
  email,
  role: "owner",
  status: "pending",
  invitedBy: "u1",
  createdAt: new Date(NOW - 1000).toISOString(),
  sentAt: new Date(NOW - 1000).toISOString(),
  expiresAt: new Date(NOW + 3.6e6).toISOString(),
  sendCount: 1,
  delivery: { state: "sent" },
});
const state = (invites: Invite[] = []): OrgState => ({ orgID: "o1", members: [owner], invites });
const entries = (text: string): ListEntry[] => {
  const r = parseAddressList(text);
  if ("message" in r) throw new Error(r.message);
  return r.entries;
};

describe("parseAddressList", () => {
  it("reads one address per line, skipping blanks and comments, keeping line numbers", () => {
    expect(entries("# team\na@x.io\n\n  B@x.io  \r\nnot an email\n")).toEqual([
      { line: 2, text: "a@x.io" },
      { line: 4, text: "B@x.io" },
      { line: 5, text: "not an email" },
    ]);
  });

  it("reads the email column of a CSV with a header, quotes and all", () => {
    expect(entries('name,Email,team\n"Doe, Jane",jane@x.io,a\nBob,"bob@x.io",b\n')).toEqual([
      { line: 2, text: "jane@x.io" },
      { line: 3, text: "bob@x.io" },
    ]);
    expect(splitCsvLine('"a ""b""",c')).toEqual(['a "b"', "c"]);
  });

  it("a CSV without an email column is refused as a whole", () => {
    expect(parseAddressList("name,mail\nx,y@x.io\n")).toEqual({
      message: 'line 1: a CSV header needs an "email" column.',
    });
  });
});

describe("planBulkInvites", () => {
  it("decides each line with core's rules: member, duplicate, invalid, list, new", () => {
    const plan = planBulkInvites(
      entries("new1@x.io\nOWNER@x.io\nnew1@x.io\nnope\na@x.io, b@x.io\nnew2@x.io\n"),
      { state: state(), actorID: "u1", role: "owner", now: NOW },
    );
    expect(
      plan.map((p) => [p.entry.line, p.kind, "error" in p ? p.error.reason : undefined]),
    ).toEqual([
      [1, "send", undefined],
      [2, "refused", "already_member"],
      [3, "refused", "already_invited"],
      [4, "refused", "invalid_email"],
      [5, "refused", "multiple_emails"],
      [6, "send", undefined],
    ]);
    const dup = plan[2]!;
    expect("error" in dup && dup.error.message).toBe("new1@x.io is already on line 1 of the list.");
  });

  it("an address already invited is checked with the daemon (an earlier run may have made it)", () => {
    const inv = pending("i9", "old@x.io");
    const [p, again] = planBulkInvites(entries("Old@x.io\nold@x.io"), {
      state: state([inv]),
      actorID: "u1",
      role: "owner",
      now: NOW,
    });
    expect(p).toMatchObject({ kind: "check", email: "old@x.io", existing: inv });
    // A second copy in the list is the list's own duplicate.
    expect(again).toMatchObject({ kind: "refused", error: { reason: "already_invited" } });
  });

  it("stops at the pending limit: the rest are left out", () => {
    const plan = planBulkInvites(entries("a@x.io\nb@x.io\nbad\nc@x.io\nd@x.io"), {
      state: state([pending("i1", "z@x.io")]),
      actorID: "u1",
      role: "owner",
      now: NOW,
      limits: { pendingLimit: 3, resendIntervalS: 0, inviteTtlMs: 3.6e6 },
    });
    expect(plan.map((p) => p.kind)).toEqual(["send", "send", "refused", "left-out", "left-out"]);
  });
});
