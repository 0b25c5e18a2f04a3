import type { Invite, Member } from "@roster/core";
import { describe, expect, it } from "vitest";
import { CliError } from "./exit-codes.ts";
import { findInvite, findMember, findOrg } from "./resolve.ts";

const member = (userID: string, email: string): Member => ({
  userID,
  email,
  name: "",
  role: "owner",
  joinedAt: "2025-01-01T00:00:00.000Z",
});
const invite = (id: string, email: string, status: Invite["status"]): Invite => ({
  id,
  orgID: "o",
  email,
  role: "owner",
  status,
  invitedBy: "u",
  createdAt: "2025-01-01T00:00:00.000Z",
  sentAt: "2025-01-01T00:00:00.000Z",
  expiresAt: "2025-01-04T00:00:00.000Z",
  sendCount: 1,
  delivery: { state: "sent" },
});
const fail = (fn: () => unknown): CliError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error("expected a CliError");
};

describe("findMember", () => {
  const members = [member("u1", "ada@example.com"), member("u2", "bob@example.com")];
  it("finds by id or case-insensitive email", () => {
    expect(findMember(members, "u2").email).toBe("bob@example.com");
    expect(findMember(members, "  ADA@Example.com ").userID).toBe("u1");
  });
  it("says member_not_found otherwise, exit 1", () => {
    const e = fail(() => findMember(members, "zed@example.com"));
    expect([e.exitCode, e.code, e.reason]).toEqual([1, "not found", "member_not_found"]);
    expect(e.message).toBe("That user is not a member of this organization.");
  });
});

describe("findInvite", () => {
  const invites = [
    invite("i1", "ada@example.com", "accepted"),
    invite("i2", "ada@example.com", "expired"),
    invite("i3", "bob@example.com", "withdrawn"),
    invite("i4", "cy@example.com", "withdrawn"),
    invite("i5", "cy@example.com", "accepted"),
  ];
  it("finds by id, or by email preferring the open invitation", () => {
    expect(findInvite(invites, "i1").status).toBe("accepted");
    expect(findInvite(invites, "Ada@Example.com").id).toBe("i2");
    expect(findInvite(invites, "bob@example.com").id).toBe("i3");
  });
  it("refuses an email with several closed invitations, listing their ids", () => {
    const e = fail(() => findInvite(invites, "cy@example.com"));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain("i4 (withdrawn)");
    expect(e.message).toContain("i5 (accepted)");
  });
  it("says invite_not_found for an unknown key", () => {
    const e = fail(() => findInvite(invites, "nobody@example.com"));
    expect([e.exitCode, e.reason]).toEqual([1, "invite_not_found"]);
  });
});

describe("findOrg", () => {
  const orgs = [
    { id: "o1", name: "Acme", createdAt: "2025-01-01T00:00:00.000Z" },
    { id: "o2", name: "Twin", createdAt: "2025-01-01T00:00:00.000Z" },
    { id: "o3", name: "twin", createdAt: "2025-01-01T00:00:00.000Z" },
  ];
  it("finds by id or case-insensitive name", () => {
    expect(findOrg(orgs, "o2").name).toBe("Twin");
    expect(findOrg(orgs, "ACME").id).toBe("o1");
  });
  it("asks for an id when a name is ambiguous (usage, exit 2) and says org_not_found otherwise", () => {
    expect(fail(() => findOrg(orgs, "twin")).exitCode).toBe(2);
    expect(fail(() => findOrg(orgs, "nope")).reason).toBe("org_not_found");
  });
});
