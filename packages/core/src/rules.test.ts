import { describe, expect, it } from "vitest";
import { INVITE_TTL_MS, PENDING_LIMIT } from "./constants.ts";
import { HTTP_STATUS, type DomainError } from "./errors.ts";
import type { Result } from "./result.ts";
import {
  applyChange,
  decideAccept,
  decideInvite,
  decideRemove,
  decideResend,
  decideWithdraw,
  foundingMember,
  type OrgState,
} from "./rules.ts";
import type { Invite, Member } from "./schemas.ts";
import { countPending, describeExpiry, inviteStatus } from "./status.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const H = 60 * 60 * 1000;

const owner: Member = {
  userID: "u-owner",
  email: "owner@example.com",
  name: "Owner",
  role: "owner",
  joinedAt: new Date(T0).toISOString(),
};
const other: Member = { ...owner, userID: "u-other", email: "other@example.com", name: "Other" };

function org(members: Member[] = [owner, other], invites: Invite[] = []): OrgState {
  return { orgID: "o1", members, invites };
}

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}
function error<T>(r: Result<T>): DomainError {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

let seq = 0;
function invite(state: OrgState, email: string, now = T0): OrgState {
  const change = value(
    decideInvite(state, { actorID: owner.userID, email, inviteID: `i${++seq}`, now }),
  );
  return applyChange(state, change);
}
function withInvites(n: number, now = T0): OrgState {
  let s = org();
  for (let i = 0; i < n; i++) s = invite(s, `p${i}@example.com`, now);
  return s;
}

describe("invite (R2–R6)", () => {
  it("creates a pending invitation that expires 72 hours later", () => {
    const c = value(
      decideInvite(org(), {
        actorID: owner.userID,
        email: " New@Example.com ",
        role: "owner",
        inviteID: "i1",
        now: T0,
      }),
    );
    expect(c.type).toBe("invite.created");
    expect(c.invite).toMatchObject({
      id: "i1",
      orgID: "o1",
      email: "new@example.com",
      role: "owner",
      status: "pending",
      invitedBy: owner.userID,
      sendCount: 1,
      delivery: { state: "queued" },
    });
    expect(Date.parse(c.invite.expiresAt) - Date.parse(c.invite.sentAt)).toBe(72 * H);
  });

  it("defaults the role to owner and refuses unknown roles", () => {
    expect(
      value(decideInvite(org(), { actorID: owner.userID, email: "a@b.co", inviteID: "x", now: T0 }))
        .invite.role,
    ).toBe("owner");
    expect(
      error(
        decideInvite(org(), {
          actorID: owner.userID,
          email: "a@b.co",
          role: "admin",
          inviteID: "x",
          now: T0,
        }),
      ),
    ).toMatchObject({
      code: "invalid",
      reason: "invalid_role",
    });
  });

  it("refuses a comma-separated string and an array, creating nothing", () => {
    for (const email of ["a@b.co, c@d.co", ["a@b.co"]]) {
      expect(
        error(decideInvite(org(), { actorID: owner.userID, email, inviteID: "x", now: T0 })).reason,
      ).toBe("multiple_emails");
    }
  });

  it("treats Bob@Example.com and bob@example.com as the same person", () => {
    const s = invite(org(), "bob@example.com");
    const e = error(
      decideInvite(s, {
        actorID: owner.userID,
        email: "Bob@Example.com ",
        inviteID: "x",
        now: T0 + 1,
      }),
    );
    expect(e).toMatchObject({ code: "conflict", reason: "already_invited" });
    expect(e.message).toMatch(/resend/i);
  });

  it("refuses a member's email", () => {
    expect(
      error(
        decideInvite(org(), {
          actorID: owner.userID,
          email: "OTHER@example.com",
          inviteID: "x",
          now: T0,
        }),
      ),
    ).toMatchObject({
      code: "conflict",
      reason: "already_member",
    });
  });

  it("allows the 50th pending invitation and refuses the 51st", () => {
    const s49 = withInvites(PENDING_LIMIT - 1);
    const s50 = applyChange(
      s49,
      value(
        decideInvite(s49, {
          actorID: owner.userID,
          email: "fifty@example.com",
          inviteID: "the-50th",
          now: T0,
        }),
      ),
    );
    expect(countPending(s50.invites, T0)).toBe(50);
    expect(
      error(
        decideInvite(s50, {
          actorID: owner.userID,
          email: "fiftyone@example.com",
          inviteID: "i51",
          now: T0,
        }),
      ),
    ).toMatchObject({
      code: "conflict",
      reason: "pending_limit",
    });
  });

  it("does not count expired invitations against the limit", () => {
    const s = withInvites(PENDING_LIMIT);
    const later = T0 + 72 * H;
    expect(countPending(s.invites, later)).toBe(0);
    expect(
      decideInvite(s, {
        actorID: owner.userID,
        email: "new@example.com",
        inviteID: "x",
        now: later,
      }).ok,
    ).toBe(true);
  });

  it("allows a fresh invitation when the earlier one for that email has expired", () => {
    const s = invite(org(), "late@example.com");
    expect(
      decideInvite(s, {
        actorID: owner.userID,
        email: "late@example.com",
        inviteID: "x",
        now: T0 + 72 * H,
      }).ok,
    ).toBe(true);
  });

  it("hides the org from non-members", () => {
    expect(
      error(decideInvite(org(), { actorID: "stranger", email: "a@b.co", inviteID: "x", now: T0 })),
    ).toMatchObject({
      code: "not found",
    });
  });
});

describe("expiry (R4)", () => {
  it("is pending just before 72 h and expired exactly at 72 h", () => {
    const s = invite(org(), "a@b.co");
    const inv = s.invites[0]!;
    expect(inviteStatus(inv, T0 + 72 * H - 1)).toBe("pending");
    expect(inviteStatus(inv, T0 + 72 * H)).toBe("expired");
    expect(describeExpiry(inv, T0 + H / 2)).toBe("expires in 71h");
    expect(describeExpiry(inv, T0 + 74 * H)).toBe("expired 2h ago");
  });
});

describe("resend (R7)", () => {
  it("restarts the clock, counts the send and queues delivery", () => {
    const s = invite(org(), "a@b.co");
    const id = s.invites[0]!.id;
    const c = value(decideResend(s, { actorID: owner.userID, inviteID: id, now: T0 + 10 * H }));
    expect(c.invite).toMatchObject({
      status: "pending",
      sendCount: 2,
      delivery: { state: "queued" },
    });
    expect(Date.parse(c.invite.expiresAt)).toBe(T0 + 10 * H + INVITE_TTL_MS);
    expect(c.invite.createdAt).toBe(s.invites[0]!.createdAt);
  });

  it("refuses a second send within the interval, and allows it after", () => {
    const s = invite(org(), "a@b.co");
    const id = s.invites[0]!.id;
    const e = error(decideResend(s, { actorID: owner.userID, inviteID: id, now: T0 + 59_000 }));
    expect(e).toMatchObject({ code: "too many requests", reason: "resend_too_soon" });
    expect(e.message).toContain("1 s");
    expect(e.retryAfterS).toBe(1);
    expect(decideResend(s, { actorID: owner.userID, inviteID: id, now: T0 + 60_000 }).ok).toBe(
      true,
    );
    expect(
      decideResend(
        s,
        { actorID: owner.userID, inviteID: id, now: T0 + 1 },
        { pendingLimit: 50, resendIntervalS: 0, inviteTtlMs: INVITE_TTL_MS },
      ).ok,
    ).toBe(true);
  });

  it("revives an expired invitation", () => {
    const s = invite(org(), "a@b.co");
    const c = value(
      decideResend(s, { actorID: owner.userID, inviteID: s.invites[0]!.id, now: T0 + 100 * H }),
    );
    expect(inviteStatus(c.invite, T0 + 100 * H)).toBe("pending");
  });

  it("refuses to revive an expired invitation when 50 are pending", () => {
    const expiredOne = invite(org(), "old@example.com", T0 - 80 * H);
    let s = expiredOne;
    for (let i = 0; i < PENDING_LIMIT; i++) s = invite(s, `p${i}@example.com`, T0);
    expect(
      error(
        decideResend(s, {
          actorID: owner.userID,
          inviteID: expiredOne.invites[0]!.id,
          now: T0 + 1,
        }),
      ),
    ).toMatchObject({
      reason: "pending_limit",
    });
  });

  it("resends a pending one even when 50 are pending (it is already counted)", () => {
    const s = withInvites(PENDING_LIMIT);
    expect(
      decideResend(s, { actorID: owner.userID, inviteID: s.invites[0]!.id, now: T0 + 2 * H }).ok,
    ).toBe(true);
  });

  it("refuses accepted and withdrawn invitations", () => {
    const s = invite(org(), "a@b.co");
    const inv = s.invites[0]!;
    const withdrawn = { ...s, invites: [{ ...inv, status: "withdrawn" as const }] };
    const accepted = { ...s, invites: [{ ...inv, status: "accepted" as const }] };
    const w = error(
      decideResend(withdrawn, { actorID: owner.userID, inviteID: inv.id, now: T0 + H }),
    );
    expect(w.reason).toBe("invite_withdrawn");
    expect(w.message).toBe(
      "This invitation was already withdrawn, so it can no longer be resent or withdrawn. Invite the person again.",
    );
    const a = error(
      decideResend(accepted, { actorID: owner.userID, inviteID: inv.id, now: T0 + H }),
    );
    expect(a.reason).toBe("invite_accepted");
    expect(a.message).toBe("This invitation was already accepted: a@b.co is a member now.");
  });

  it("says not found for an unknown invitation", () => {
    expect(
      error(decideResend(org(), { actorID: owner.userID, inviteID: "nope", now: T0 })).code,
    ).toBe("not found");
  });
});

describe("withdraw (R8)", () => {
  it("withdraws pending and expired invitations", () => {
    const s = invite(org(), "a@b.co");
    const id = s.invites[0]!.id;
    expect(
      value(decideWithdraw(s, { actorID: owner.userID, inviteID: id, now: T0 })).invite.status,
    ).toBe("withdrawn");
    expect(
      value(decideWithdraw(s, { actorID: owner.userID, inviteID: id, now: T0 + 100 * H })).invite
        .status,
    ).toBe("withdrawn");
    expect(
      applyChange(s, value(decideWithdraw(s, { actorID: owner.userID, inviteID: id, now: T0 })))
        .invites,
    ).toEqual([]);
  });

  it("refuses closed invitations with conflict", () => {
    const s = invite(org(), "a@b.co");
    const inv = s.invites[0]!;
    for (const status of ["accepted", "withdrawn"] as const) {
      const e = error(
        decideWithdraw(
          { ...s, invites: [{ ...inv, status }] },
          { actorID: owner.userID, inviteID: inv.id, now: T0 },
        ),
      );
      expect(e.code).toBe("conflict");
      expect(e.reason).toBe(`invite_${status}`);
      expect(e.message).toMatch(
        status === "accepted"
          ? /^This invitation was already accepted: a@b\.co is a member now\.$/
          : /^This invitation was already withdrawn, so it can no longer be resent or withdrawn\./,
      );
    }
  });
});

describe("accept (R9)", () => {
  const newUser = { id: "u-new", email: "a@b.co", name: "Ann" };
  const s = invite(org(), "a@b.co");
  const inv = s.invites[0]!;

  it("adds the member with the invited role and marks the invitation accepted", () => {
    const c = value(
      decideAccept(s, { invite: inv, tokenIsCurrent: true, user: newUser, now: T0 + H }),
    );
    expect(c.invite.status).toBe("accepted");
    expect(c.member).toMatchObject({
      userID: "u-new",
      email: "a@b.co",
      role: "owner",
      name: "Ann",
    });
    const after = applyChange(s, c);
    expect(after.members.map((m) => m.userID)).toContain("u-new");
    expect(after.invites).toEqual([]);
  });

  it("refuses accepting twice", () => {
    const c = value(
      decideAccept(s, { invite: inv, tokenIsCurrent: true, user: newUser, now: T0 + H }),
    );
    const after = applyChange(s, c);
    expect(
      error(
        decideAccept(after, {
          invite: c.invite,
          tokenIsCurrent: true,
          user: newUser,
          now: T0 + 2 * H,
        }),
      ).reason,
    ).toBe("invite_accepted");
  });

  it("refuses after withdraw", () => {
    const w = value(decideWithdraw(s, { actorID: owner.userID, inviteID: inv.id, now: T0 })).invite;
    expect(
      error(decideAccept(s, { invite: w, tokenIsCurrent: true, user: newUser, now: T0 + H })),
    ).toMatchObject({ reason: "invite_withdrawn", message: "This invitation was withdrawn." });
  });

  it("refuses the old token after a resend", () => {
    const r = value(
      decideResend(s, { actorID: owner.userID, inviteID: inv.id, now: T0 + H }),
    ).invite;
    expect(
      error(decideAccept(s, { invite: r, tokenIsCurrent: false, user: newUser, now: T0 + 2 * H }))
        .reason,
    ).toBe("invite_superseded");
  });

  it("refuses an expired link (exactly at 72 h) and an unknown token", () => {
    expect(
      error(decideAccept(s, { invite: inv, tokenIsCurrent: true, user: newUser, now: T0 + 72 * H }))
        .reason,
    ).toBe("invite_expired");
    expect(
      error(decideAccept(s, { invite: undefined, tokenIsCurrent: false, user: newUser, now: T0 }))
        .reason,
    ).toBe("invite_not_found");
  });
});

describe("remove (R10, R11)", () => {
  it("removes another member", () => {
    const c = value(decideRemove(org(), { actorID: owner.userID, userID: other.userID }));
    expect(c).toEqual({ type: "member.removed", userID: other.userID, email: other.email });
  });

  it("never removes yourself, even as the last member", () => {
    for (const s of [org(), org([owner])]) {
      const e = error(decideRemove(s, { actorID: owner.userID, userID: owner.userID }));
      expect(e).toMatchObject({ code: "forbidden", reason: "cannot_remove_self" });
      expect(e.message).toMatch(/another member/);
    }
  });

  it("says not found for a non-member target and hides the org from outsiders", () => {
    expect(error(decideRemove(org(), { actorID: owner.userID, userID: "ghost" })).reason).toBe(
      "member_not_found",
    );
    expect(error(decideRemove(org(), { actorID: "ghost", userID: other.userID })).code).toBe(
      "not found",
    );
  });
});

describe("errors", () => {
  it("map every code to its InfluxDB HTTP status", () => {
    expect(HTTP_STATUS).toMatchObject({
      invalid: 400,
      unauthorized: 401,
      forbidden: 403,
      "not found": 404,
      conflict: 409,
      "too many requests": 429,
    });
  });
  it("founding member is an owner", () => {
    expect(foundingMember({ id: "u", email: "e@x.io", name: "n" }, T0).member.role).toBe("owner");
  });
});
