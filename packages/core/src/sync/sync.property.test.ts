/**
 * Property tests of the sync reducer against the model server: whatever the
 * network does (duplicates, gaps, reconnects, pruned logs, confirmations
 * before or after the change), the client ends equal to the server, never
 * applies a change twice and never shows an optimistic action twice.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChangeMessage } from "../schemas.ts";
import { makeMember, ModelServer } from "../../testing/index.ts";
import type { ActionKind } from "./pending-action.ts";
import { initialSyncState, reduce, type SyncEvent, type SyncState } from "./reducer.ts";
import { makePendingAction, selectView, validateLocally, type ActionInput } from "./view.ts";

const T0 = Date.UTC(2025, 0, 1, 12);
/** Room for every pending invitation the steps make; resends are never too soon. */
const LIMITS = { pendingLimit: 50, resendIntervalS: 0, inviteTtlMs: 72 * 3600e3 };
const EMAILS = ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"];

/** A client that records every version it applied from a change, to prove none is applied twice. */
class Client {
  state: SyncState = initialSyncState("org1");
  applied: number[] = [];
  /** Next log version the live stream will deliver. */
  cursor = 1;

  dispatch(e: SyncEvent): void {
    const before = this.state.version;
    this.state = reduce(this.state, e);
    if (e.type === "change" && this.state.version !== before) {
      expect(this.state.version).toBe(before + 1);
      expect(e.change.version).toBe(before + 1);
      this.applied.push(this.state.version);
    }
  }

  connect(server: ModelServer): void {
    const since = this.state.needsSnapshot ? 0 : this.state.version;
    this.dispatch({ type: "hello", since });
    for (const m of server.catchUp(since)) {
      if (m.type === "snapshot") {
        this.applied = this.applied.filter((v) => v <= m.version); // a snapshot resets the fold
        this.dispatch({ type: "snapshot", snapshot: m });
      } else this.dispatch({ type: "change", change: m });
    }
    this.dispatch({ type: "ready", version: server.version });
    this.cursor = server.version + 1;
  }
}

function entryAt(server: ModelServer, version: number): ChangeMessage | undefined {
  return server.log.find((e) => e.version === version);
}

/** Another user (u1) or the world changes the org: see otherWrite. */
const otherStep = fc.record({
  t: fc.constant("other" as const),
  op: fc.nat(5),
  pick: fc.nat(20),
  email: fc.constantFrom(...EMAILS),
});

const streamStep = fc.oneof(
  fc.constant({ t: "deliver" as const }),
  fc.constant({ t: "deliver" as const }),
  fc.constant({ t: "deliver" as const }),
  fc.record({ t: fc.constant("dup" as const), back: fc.nat(5) }),
  fc.constant({ t: "skip" as const }),
  fc.constant({ t: "reconnect" as const }),
  fc.record({ t: fc.constant("prune" as const), keep: fc.nat(8) }),
  otherStep,
);

/** Another user (u1) or the world changes the org. */
function otherWrite(
  server: ModelServer,
  op: number,
  pick: number,
  email: string,
  now: number,
): void {
  const invites = server.state.invites;
  const inv = invites.length > 0 ? invites[pick % invites.length] : undefined;
  const others = server.state.members.filter((m) => m.userID !== "u1" && m.userID !== "u2");
  const member = others.length > 0 ? others[pick % others.length] : undefined;
  switch (op) {
    case 0:
      server.run("u1", { type: "invite", email, role: "owner" }, now);
      break;
    case 1:
      if (inv) server.run("u1", { type: "resend", inviteID: inv.id }, now);
      break;
    case 2:
      if (inv) server.run("u1", { type: "withdraw", inviteID: inv.id }, now);
      break;
    case 3:
      if (inv) server.accept(inv.id, now);
      break;
    case 4:
      if (inv) server.delivered(inv.id, now);
      break;
    default:
      if (member) server.run("u1", { type: "remove", userID: member.userID }, now);
  }
}

/** A step both properties take: the live stream delivers, the client reconnects, the server prunes or another user writes. */
type WorldStep =
  | { t: "deliver" }
  | { t: "reconnect" }
  | { t: "prune"; keep: number }
  | { t: "other"; op: number; pick: number; email: string };

function worldStep(client: Client, server: ModelServer, step: WorldStep, now: number): void {
  switch (step.t) {
    case "deliver": {
      const e = entryAt(server, client.cursor);
      if (e) {
        client.dispatch({ type: "change", change: e });
        client.cursor++;
      }
      break;
    }
    case "reconnect":
      client.connect(server);
      break;
    case "prune":
      server.prune(step.keep);
      break;
    case "other":
      otherWrite(server, step.op, step.pick, step.email, now);
      break;
  }
}

function newServer(): ModelServer {
  const s = new ModelServer(makeMember("u1", "one@x.io"), { orgID: "org1", at: T0 });
  // u2 is the client's user.
  const inv = s.run("u1", { type: "invite", email: "two@x.io", role: "owner" }, T0);
  if (inv.ok && inv.entry.change.type === "invite.created")
    s.accept(inv.entry.change.invite.id, T0, "u2");
  return s;
}

function expectConverged(client: Client, server: ModelServer): void {
  expect(client.state.version).toBe(server.version);
  expect(client.state.server.members).toEqual(server.state.members);
  expect(client.state.server.invites).toEqual(server.state.invites);
  expect(new Set(client.applied).size).toBe(client.applied.length);
}

describe("sync reducer properties", () => {
  it("any interleaving of changes with duplicates, gaps, reconnects and pruning ends equal to the server", () => {
    fc.assert(
      fc.property(fc.array(streamStep, { minLength: 20, maxLength: 150, size: "max" }), (steps) => {
        const server = newServer();
        const client = new Client();
        client.connect(server);
        let now = T0;
        for (const step of steps) {
          now += 1000;
          switch (step.t) {
            case "dup": {
              const e = entryAt(server, client.cursor - 1 - step.back);
              if (e) client.dispatch({ type: "change", change: e });
              break;
            }
            case "skip":
              if (entryAt(server, client.cursor + 1)) client.cursor++;
              break;
            default:
              worldStep(client, server, step, now);
          }
          // A client that detected a gap reconnects (the engine does this).
          if (client.state.needsResync) client.connect(server);
          // Never ahead of the server, never diverged at its own version.
          expect(client.state.version).toBeLessThanOrEqual(server.version);
        }
        client.connect(server);
        expectConverged(client, server);
      }),
      { numRuns: 300 },
    );
  });

  const clientStep = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant("submit" as const),
        op: fc.nat(7),
        pick: fc.nat(20),
        email: fc.constantFrom(...EMAILS),
      }),
    },
    { weight: 3, arbitrary: fc.constant({ t: "send" as const }) },
    { weight: 3, arbitrary: fc.constant({ t: "respond" as const }) },
    { weight: 4, arbitrary: fc.constant({ t: "deliver" as const }) },
    { weight: 1, arbitrary: fc.constant({ t: "reconnect" as const }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("prune" as const), keep: fc.nat(3) }) },
    {
      weight: 2,
      arbitrary: otherStep,
    },
  );

  it("optimistic actions rebased on the server state are never applied twice, and all settle", () => {
    fc.assert(
      fc.property(fc.array(clientStep, { minLength: 20, maxLength: 120, size: "max" }), (steps) => {
        const server = newServer();
        const client = new Client();
        client.connect(server);
        let now = T0;
        let seq = 0;
        /** Requests the server has handled whose responses have not reached the client yet. */
        const inFlight: { id: string; event: SyncEvent }[] = [];
        const sentIDs = new Set<string>();
        /** Version at which the server committed each action's change. */
        const committedAt = new Map<string, number>();

        const send = () => {
          const a = client.state.pending.find((p) => p.state === "queued");
          if (!a) return;
          client.dispatch({ type: "sending", id: a.id });
          expect(sentIDs.has(a.id)).toBe(false); // exactly once
          sentIDs.add(a.id);
          const r = server.run(a.actorID, a.kind, now);
          if (!r.ok)
            inFlight.push({ id: a.id, event: { type: "rejected", id: a.id, error: r.error } });
          else {
            committedAt.set(a.id, r.entry.version);
            const c = r.entry.change;
            const result =
              c.type === "invite.created" || c.type === "invite.resent"
                ? { inviteID: c.invite.id, sendCount: c.invite.sendCount }
                : {};
            inFlight.push({ id: a.id, event: { type: "confirmed", id: a.id, result } });
          }
        };

        for (const step of steps) {
          now += 1000;
          switch (step.t) {
            case "submit": {
              const view = selectView(client.state, now);
              let input: ActionInput | undefined;
              const inv =
                view.invites.length > 0 ? view.invites[step.pick % view.invites.length] : undefined;
              const mem =
                view.members.length > 0 ? view.members[step.pick % view.members.length] : undefined;
              if (step.op <= 2) input = { type: "invite", email: ` ${step.email.toUpperCase()} ` };
              else if (step.op <= 4 && inv) input = { type: "resend", inviteID: inv.invite.id };
              else if (step.op === 5 && inv) input = { type: "withdraw", inviteID: inv.invite.id };
              else if (step.op === 6 && mem) input = { type: "remove", userID: mem.member.userID };
              if (!input) break;
              const v = validateLocally(client.state, input, "u2", now, LIMITS);
              if (!v.ok) break;
              const kind: ActionKind = v.value.kind;
              client.dispatch({
                type: "submitted",
                action: makePendingAction(client.state, kind, {
                  id: `k${++seq}`,
                  actorID: "u2",
                  now,
                }),
              });
              break;
            }
            case "send":
              send();
              break;
            case "respond": {
              const r = inFlight.shift();
              if (r) client.dispatch(r.event);
              break;
            }
            default:
              worldStep(client, server, step, now);
          }
          if (client.state.needsResync) client.connect(server);
          checkViewInvariants(client.state, now, committedAt);
        }
        // Drain: send everything, answer everything, catch up.
        while (client.state.pending.some((p) => p.state === "queued")) send();
        for (const r of inFlight.splice(0)) client.dispatch(r.event);
        client.connect(server);
        expectConverged(client, server);
        expect(client.state.pending.every((p) => p.state === "failed")).toBe(true);
        const view = selectView(client.state, now);
        expect(view.members.every((m) => !m.optimistic && !m.removing)).toBe(true);
        expect(view.invites.every((i) => !i.optimistic && !i.removing)).toBe(true);
        expect(view.members.map((m) => m.member)).toEqual(server.state.members);
        expect(view.invites.map((i) => i.invite.id)).toEqual(server.state.invites.map((i) => i.id));
      }),
      { numRuns: 300 },
    );
  });
});

function checkViewInvariants(
  state: SyncState,
  now: number,
  committedAt: Map<string, number>,
): void {
  const view = selectView(state, now, {
    limits: LIMITS,
  });
  const inviteIDs = view.invites.map((i) => i.invite.id);
  expect(new Set(inviteIDs).size).toBe(inviteIDs.length);
  const memberIDs = view.members.map((m) => m.member.userID);
  expect(new Set(memberIDs).size).toBe(memberIDs.length);
  // One open invitation per email (R6): an optimistic copy of a server row would break this.
  const openEmails = view.invites.filter((i) => !i.removing).map((i) => i.invite.email);
  expect(new Set(openEmails).size).toBe(openEmails.length);
  // A resend shows on top of the server's count only while its change is not in the server state.
  for (const row of view.invites) {
    const server = state.server.invites.find((i) => i.id === row.invite.id);
    if (!server) continue;
    const notYetInState = state.pending.filter(
      (a) =>
        a.kind.type === "resend" &&
        a.kind.inviteID === row.invite.id &&
        a.state !== "failed" &&
        (committedAt.get(a.id) ?? Infinity) > state.version,
    ).length;
    expect(row.invite.sendCount).toBeLessThanOrEqual(server.sendCount + notYetInState);
    expect(row.invite.sendCount).toBeGreaterThanOrEqual(server.sendCount);
  }
}
