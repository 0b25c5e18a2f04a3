import { INVITE_TTL_MS, type Invite } from "@roster/core";
import { describe, expect, it } from "vitest";
import { connectionText, countsText, deliveryDetail, inviteCells } from "./format.ts";

const now = Date.UTC(2026, 0, 10, 12);
const invite = (over: Partial<Invite> = {}): Invite => ({
  id: "inv1",
  orgID: "org1",
  email: "bob@example.com",
  role: "owner",
  status: "pending",
  invitedBy: "usr1",
  createdAt: new Date(now - 3_600_000).toISOString(),
  sentAt: new Date(now - 3_600_000).toISOString(),
  expiresAt: new Date(now - 3_600_000 + INVITE_TTL_MS).toISOString(),
  sendCount: 1,
  delivery: { state: "sent", attempts: 1 },
  ...over,
});

describe("format", () => {
  it("writes the header words of SPEC §5", () => {
    expect(countsText(3, 2, 50)).toBe("members: 3 · pending: 2/50");
    expect(connectionText({ state: "live" })).toBe("● live");
    expect(connectionText({ state: "reconnecting" })).toBe("reconnecting…");
    expect(connectionText({ state: "offline", queued: 2 })).toBe("offline — 2 queued");
  });

  it("says how old offline data is, in as many words as asked", () => {
    const c = { state: "offline", queued: 1, dataAge: 3 * 60_000 + 5000 } as const;
    expect(connectionText(c)).toBe("offline — 1 queued · data from 3m ago");
    expect(connectionText(c, "short")).toBe("offline — 1 queued · 3m old");
    expect(connectionText(c, "none")).toBe("offline — 1 queued");
    expect(connectionText({ ...c, dataAge: 20_000 })).toBe(
      "offline — 1 queued · data from 20s ago",
    );
    expect(connectionText({ ...c, dataAge: -5 })).toBe("offline — 1 queued · data from 0s ago");
  });

  it("shows time left, derived status, sends and delivery", () => {
    expect(inviteCells(invite(), now)).toEqual({
      email: "bob@example.com",
      status: "pending",
      expiry: "expires in 71h",
      sends: "1×",
      delivery: "sent",
    });
    const old = invite({ expiresAt: new Date(now - 2 * 3_600_000).toISOString(), sendCount: 3 });
    expect(inviteCells(old, now)).toMatchObject({
      status: "expired",
      expiry: "expired 2h ago",
      sends: "3×",
    });
  });

  it("explains a failed delivery with its error and next try", () => {
    const d = {
      state: "failed" as const,
      attempts: 5,
      lastError: "550 mailbox unavailable",
      nextAttemptAt: new Date(now + 120_000).toISOString(),
    };
    expect(deliveryDetail(d, now)).toBe(
      "email failed after 5 attempts · last error: 550 mailbox unavailable · next try in 2m",
    );
    expect(deliveryDetail({ state: "queued", attempts: 0 }, now)).toBe("email queued");
  });
});
