import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INVITE_TTL_MS, PENDING_LIMIT } from "./constants.ts";
import {
  applyChange,
  decideAccept,
  decideInvite,
  decideRemove,
  decideResend,
  decideWithdraw,
  foundingMember,
  type Limits,
  type OrgState,
} from "./rules.ts";
import type { Change, Invite } from "./schemas.ts";
import { countPending, inviteStatus } from "./status.ts";

/**
 * A model of one org driven only through core's decisions, the way the
 * daemon drives it: open invitations in the state, closed ones kept aside,
 * every token ever issued remembered.
 */
type Cmd =
  | { kind: "invite"; actor: number; email: number; dt: number }
  | { kind: "resend"; actor: number; invite: number; dt: number }
  | { kind: "withdraw"; actor: number; invite: number; dt: number }
  | { kind: "accept"; invite: number; stale: boolean; dt: number }
  | { kind: "remove"; actor: number; target: number; dt: number };

const EMAILS = 12;
const commands = (maxStepMs: number, emails: number, inviteWeight = 3): fc.Arbitrary<Cmd> => {
  const dt = fc.integer({ min: 0, max: maxStepMs });
  return fc.oneof(
    {
      weight: inviteWeight,
      arbitrary: fc.record({
        kind: fc.constant("invite" as const),
        actor: fc.nat(20),
        email: fc.nat(emails - 1),
        dt,
      }),
    },
    fc.record({ kind: fc.constant("resend" as const), actor: fc.nat(20), invite: fc.nat(40), dt }),
    fc.record({
      kind: fc.constant("withdraw" as const),
      actor: fc.nat(20),
      invite: fc.nat(40),
      dt,
    }),
    fc.record({
      kind: fc.constant("accept" as const),
      invite: fc.nat(40),
      stale: fc.boolean(),
      dt,
    }),
    fc.record({ kind: fc.constant("remove" as const), actor: fc.nat(20), target: fc.nat(20), dt }),
  );
};
const cmdArb = commands(30 * 60 * 60 * 1000, EMAILS);

interface Model {
  state: OrgState;
  closed: Map<string, Invite>;
  allInviteIDs: string[];
  /** token → invite id; current token per invite */
  tokens: Map<string, string>;
  currentToken: Map<string, string>;
  acceptedTokens: Map<string, number>;
  users: Map<string, string>; // email → user id
  log: { actor: string | null; change: Change }[];
}

function run(cmds: Cmd[], limits: Limits) {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const founder = { id: "u0", email: "founder@example.com", name: "Founder" };
  const m: Model = {
    state: applyChange({ orgID: "o", members: [], invites: [] }, foundingMember(founder, now)),
    closed: new Map(),
    allInviteIDs: [],
    tokens: new Map(),
    currentToken: new Map(),
    acceptedTokens: new Map(),
    users: new Map([[founder.email, founder.id]]),
    log: [],
  };
  let n = 0;
  const commit = (actor: string | null, change: Change) => {
    m.log.push({ actor, change });
    if (change.type === "invite.withdrawn" || change.type === "invite.accepted") {
      m.closed.set(change.invite.id, change.invite);
    }
    m.state = applyChange(m.state, change);
  };
  const issueToken = (inviteID: string) => {
    const t = `t${++n}`;
    m.tokens.set(t, inviteID);
    m.currentToken.set(inviteID, t);
    return t;
  };
  const pick = <T>(xs: readonly T[], i: number): T | undefined =>
    xs.length ? xs[i % xs.length] : undefined;
  const withTarget = (id: string | undefined): OrgState => {
    const c = id ? m.closed.get(id) : undefined;
    return c ? { ...m.state, invites: [...m.state.invites, c] } : m.state;
  };

  for (const cmd of cmds) {
    now += cmd.dt;
    switch (cmd.kind) {
      case "invite": {
        const actor = pick(m.state.members, cmd.actor)!.userID;
        const id = `i${++n}`;
        const r = decideInvite(
          m.state,
          { actorID: actor, email: `e${cmd.email}@example.com`, inviteID: id, now },
          limits,
        );
        if (r.ok) {
          m.allInviteIDs.push(id);
          issueToken(id);
          commit(actor, r.value);
        }
        break;
      }
      case "resend": {
        const actor = pick(m.state.members, cmd.actor)!.userID;
        const id = pick(m.allInviteIDs, cmd.invite);
        if (!id) break;
        const r = decideResend(withTarget(id), { actorID: actor, inviteID: id, now }, limits);
        if (r.ok) {
          issueToken(id);
          commit(actor, r.value);
        }
        break;
      }
      case "withdraw": {
        const actor = pick(m.state.members, cmd.actor)!.userID;
        const id = pick(m.allInviteIDs, cmd.invite);
        if (!id) break;
        const r = decideWithdraw(withTarget(id), { actorID: actor, inviteID: id, now });
        if (r.ok) commit(actor, r.value);
        break;
      }
      case "accept": {
        const id = pick(m.allInviteIDs, cmd.invite);
        if (!id) break;
        const tokens = [...m.tokens].filter(([, inv]) => inv === id).map(([t]) => t);
        const token = cmd.stale ? tokens[0]! : m.currentToken.get(id)!;
        const invite = m.state.invites.find((i) => i.id === id) ?? m.closed.get(id);
        const email = invite!.email;
        const user = { id: m.users.get(email) ?? `u-${email}`, email, name: email };
        const r = decideAccept(withTarget(id), {
          invite,
          tokenIsCurrent: m.currentToken.get(id) === token,
          user,
          now,
        });
        if (r.ok) {
          m.users.set(email, user.id);
          m.acceptedTokens.set(token, (m.acceptedTokens.get(token) ?? 0) + 1);
          commit(null, r.value);
        }
        break;
      }
      case "remove": {
        const actor = pick(m.state.members, cmd.actor)!.userID;
        const target = pick(m.state.members, cmd.target)!.userID;
        const r = decideRemove(m.state, { actorID: actor, userID: target });
        if (r.ok) commit(actor, r.value);
        break;
      }
    }
    // Invariants after every step.
    expect(countPending(m.state.invites, now)).toBeLessThanOrEqual(limits.pendingLimit);
    expect(m.state.members.length).toBeGreaterThanOrEqual(1);
    for (const i of m.state.invites) expect(["pending", "expired"]).toContain(inviteStatus(i, now));
  }
  return m;
}

function checkHistory(m: Model) {
  // No command removes its own actor.
  for (const { actor, change } of m.log) {
    if (change.type === "member.removed") expect(change.userID).not.toBe(actor);
  }
  // An accepted invitation always has its membership (until a later removal).
  m.log.forEach(({ change }, idx) => {
    if (change.type !== "invite.accepted") return;
    const removedLater = m.log
      .slice(idx + 1)
      .some((e) => e.change.type === "member.removed" && e.change.userID === change.member.userID);
    const isMember = m.state.members.some((x) => x.userID === change.member.userID);
    expect(isMember || removedLater).toBe(true);
    expect(change.member.email).toBe(change.invite.email);
  });
  // A token is accepted at most once, and each invitation at most once.
  for (const count of m.acceptedTokens.values()) expect(count).toBe(1);
  const acceptedIDs = m.log
    .filter((e) => e.change.type === "invite.accepted")
    .map((e) => (e.change as { invite: Invite }).invite.id);
  expect(new Set(acceptedIDs).size).toBe(acceptedIDs.length);
}

describe("rules under any sequence of commands", () => {
  it("hold their invariants with a small pending limit", () => {
    const limits: Limits = { pendingLimit: 3, resendIntervalS: 60, inviteTtlMs: INVITE_TTL_MS };
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 120 }), (cmds) =>
        checkHistory(run(cmds, limits)),
      ),
      { numRuns: 300 },
    );
  });

  it("hold their invariants at the real limit of 50", () => {
    const limits: Limits = {
      pendingLimit: PENDING_LIMIT,
      resendIntervalS: 60,
      inviteTtlMs: INVITE_TTL_MS,
    };
    fc.assert(
      fc.property(fc.array(commands(90_000, 90, 24), { minLength: 100, maxLength: 260 }), (cmds) =>
        checkHistory(run(cmds, limits)),
      ),
      { numRuns: 40 },
    );
  });
});
