/**
 * The cached list bodies: the invitations body, cached per projection until
 * the clock leaves the interval in which no derived status changes, is for
 * every clock (forwards, backwards, exactly on an expiry instant) the body
 * derived afresh at that clock.
 */
import fc from "fast-check";
import type { Invite, InviteStatusFilter } from "@roster/core";
import { describe, expect, it } from "vitest";
import type { OrgProjection } from "../live/org-projection.ts";
import { projectedInvites, projectedInvitesBody, projectedMembersBody } from "./org-reads.ts";

const BASE = Date.parse("2030-01-01T00:00:00.000Z");
const SPAN = 10_000;
const decoder = new TextDecoder();

const statusArb = fc.constantFrom<Invite["status"]>("pending", "expired", "accepted", "withdrawn");
const inviteArb = (n: number) =>
  fc
    .record({
      status: statusArb,
      expiresIn: fc.integer({ min: -SPAN, max: SPAN }),
      createdIn: fc.integer({ min: -SPAN, max: 0 }),
    })
    .map(({ status, expiresIn, createdIn }): Invite => ({
      id: `inv${String(n).padStart(4, "0")}`,
      orgID: "org1",
      email: `p${n}@example.com`,
      role: "owner",
      status,
      invitedBy: "u1",
      createdAt: new Date(BASE + createdIn).toISOString(),
      sentAt: new Date(BASE + createdIn).toISOString(),
      expiresAt: new Date(BASE + expiresIn).toISOString(),
      sendCount: 1,
      delivery: { state: "sent", attempts: 1 },
    }));

const projectionArb = fc
  .integer({ min: 0, max: 12 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => inviteArb(i))))
  .map((invites): OrgProjection => ({
    org: { id: "org1", name: "Org", createdAt: new Date(BASE - SPAN).toISOString() },
    version: 7,
    state: { orgID: "org1", members: [], invites },
  }));

/** Clocks around the expiry instants, and some exactly on them. */
const clocksArb = (p: OrgProjection) =>
  fc.array(
    fc.oneof(
      fc.integer({ min: BASE - 2 * SPAN, max: BASE + 2 * SPAN }),
      p.state.invites.length > 0
        ? fc
            .constantFrom(...p.state.invites.map((i) => Date.parse(i.expiresAt)))
            .chain((t) => fc.constantFrom(t - 1, t, t + 1))
        : fc.constant(BASE),
    ),
    { minLength: 1, maxLength: 30 },
  );

const FILTERS: InviteStatusFilter[] = ["open", "pending", "expired"];

describe("the invitations body cache", () => {
  it("answers, for any clocks and expiries, exactly what deriving afresh answers", () => {
    fc.assert(
      fc.property(
        projectionArb.chain((p) => fc.tuple(fc.constant(p), clocksArb(p))),
        ([p, clocks]) => {
          for (const now of clocks) {
            for (const status of FILTERS) {
              const cached = decoder.decode(projectedInvitesBody(p, status, now, 50));
              expect(cached).toBe(JSON.stringify(projectedInvites(p, status, now, 50)));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("serializes once while no status changes, and again when the clock crosses an expiry", () => {
    const invite = (id: string, expiresIn: number): Invite => ({
      id,
      orgID: "org1",
      email: `${id}@example.com`,
      role: "owner",
      status: "pending",
      invitedBy: "u1",
      createdAt: new Date(BASE).toISOString(),
      sentAt: new Date(BASE).toISOString(),
      expiresAt: new Date(BASE + expiresIn).toISOString(),
      sendCount: 1,
      delivery: { state: "queued", attempts: 0 },
    });
    const p: OrgProjection = {
      org: { id: "org1", name: "Org", createdAt: new Date(BASE).toISOString() },
      version: 3,
      state: { orgID: "org1", members: [], invites: [invite("a", 1000), invite("b", 2000)] },
    };
    const first = projectedInvitesBody(p, "open", BASE, 50);
    expect(projectedInvitesBody(p, "open", BASE + 999, 50)).toBe(first);
    const crossed = projectedInvitesBody(p, "open", BASE + 1000, 50);
    expect(crossed).not.toBe(first);
    expect(JSON.parse(decoder.decode(crossed))).toMatchObject({ pending: 1 });
    expect(projectedInvitesBody(p, "open", BASE + 1999, 50)).toBe(crossed);
    // A clock set back before the expiry it crossed: derived again, pending again.
    const back = projectedInvitesBody(p, "open", BASE + 10, 50);
    expect(back).not.toBe(crossed);
    expect(JSON.parse(decoder.decode(back))).toMatchObject({ pending: 2 });
    // Another version of the org is another projection: never the old body.
    const next: OrgProjection = { ...p, version: 4, state: { ...p.state, invites: [] } };
    expect(JSON.parse(decoder.decode(projectedInvitesBody(next, "open", BASE, 50)))).toEqual({
      invites: [],
      pending: 0,
      limit: 50,
      version: 4,
    });
  });

  it("builds the members body once per projection", () => {
    const p: OrgProjection = {
      org: { id: "org1", name: "Org", createdAt: new Date(BASE).toISOString() },
      version: 1,
      state: {
        orgID: "org1",
        members: [
          {
            userID: "u1",
            email: "a@example.com",
            name: "A",
            role: "owner",
            joinedAt: new Date(BASE).toISOString(),
          },
        ],
        invites: [],
      },
    };
    const body = projectedMembersBody(p);
    expect(projectedMembersBody(p)).toBe(body);
    expect(JSON.parse(decoder.decode(body))).toEqual({ members: p.state.members, version: 1 });
  });
});
