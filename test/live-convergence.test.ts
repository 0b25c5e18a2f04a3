/**
 * Convergence under chaos: 6 live clients (SyncEngine) behind a proxy that
 * cuts their connections at random, a writer doing 500+ random mutations
 * (invite, resend, withdraw, accept, remove), and two of the clients
 * submitting their own actions through the same flaky network. At the end
 * every client's state equals the daemon's, no client applied a change
 * twice, and every confirmed client action happened exactly once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Invite } from "@roster/core";
import { RosterClient, SyncEngine } from "@roster/core/client";
import { startInProcessDaemon, type InProcessDaemon, type OrgSetup } from "./support/daemon.ts";
import { eventually, serverState, startChaosProxy, type ChaosProxy } from "./live-helpers.ts";

const CLIENTS = 6;
const MUTATIONS = 520;

let d: InProcessDaemon;
let owner: OrgSetup;
let proxy: ChaosProxy;

beforeAll(async () => {
  // 520 mutations in one org: far past R14's 200 invitation emails per hour, which are not under test here.
  d = await startInProcessDaemon({
    resendIntervalS: 0,
    mail: false,
    abuse: { emailsPerOrgPerHour: 0, emailsPerAddressPerDay: 0 },
  });
  owner = await d.setupOrg();
  proxy = await startChaosProxy(d.url);
});
afterAll(async () => {
  await proxy?.close();
  await d?.close();
});

interface Tracked {
  engine: SyncEngine;
  /** Versions applied from change frames, in order. */
  applied: number[];
  /** Change frames ignored as duplicates or old. */
  ignored: number;
  gaps: number;
  snapshots: number;
}

it(`${CLIENTS} clients converge with the daemon after ${MUTATIONS} mutations while their connections are cut at random`, async () => {
  const writer = d.client(owner.token);
  const clients: Tracked[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const t: Tracked = {
      engine: undefined as never,
      applied: [],
      ignored: 0,
      gaps: 0,
      snapshots: 0,
    };
    t.engine = await SyncEngine.open({
      client: new RosterClient({ url: proxy.url, token: owner.token, timeoutMs: 5000 }),
      orgID: owner.orgID,
      actorID: owner.userID,
      limits: { pendingLimit: 50, resendIntervalS: 0, inviteTtlMs: 72 * 3600e3 },
      live: { backoff: { initialMs: 10, maxMs: 150 } },
      sendBackoff: { initialMs: 10, maxMs: 100 },
      onEvent(event, before, after) {
        if (event.type === "snapshot") t.snapshots++;
        if (event.type !== "change") return;
        if (after.version === before.version + 1 && event.change.version === after.version) {
          t.applied.push(after.version);
        } else if (after.needsResync && !before.needsResync) t.gaps++;
        else t.ignored++;
      },
    });
    t.engine.start();
    clients.push(t);
  }
  await Promise.all(
    clients.map((c) => c.engine.waitFor((s, st) => s.synced && st === "live", 20_000)),
  );

  // The writer's model of the org, kept from its own responses.
  const open = new Map<string, Invite>();
  const members: string[] = [];
  let n = 0;
  let mutations = 0;
  let cuts = 0;
  const submitted: string[] = [];
  const rnd = (k: number) => Math.floor(Math.random() * k);
  const pick = <T>(xs: T[]): T | undefined => xs[rnd(xs.length)];

  while (mutations < MUTATIONS) {
    const roll = rnd(100);
    const invites = [...open.values()];
    try {
      if (roll < 35 && open.size < 30) {
        const inv = await writer.createInvite(owner.orgID, { email: `w${++n}@example.com` });
        open.set(inv.id, inv);
      } else if (roll < 55 && invites.length > 0) {
        const inv = await writer.resendInvite(owner.orgID, pick(invites)!.id);
        open.set(inv.id, inv);
      } else if (roll < 70 && invites.length > 0) {
        const inv = pick(invites)!;
        await writer.withdrawInvite(owner.orgID, inv.id);
        open.delete(inv.id);
      } else if (roll < 85 && invites.length > 0) {
        const inv = pick(invites)!;
        const token = await d.activationToken(inv.id);
        const r = await d.client().acceptInvite({ token });
        open.delete(inv.id);
        members.push(r.user.id);
      } else if (members.length > 0) {
        const userID = members.splice(rnd(members.length), 1)[0]!;
        await writer.removeMember(owner.orgID, userID);
      } else continue;
    } catch (e) {
      throw new Error(`writer mutation ${mutations} failed: ${String(e)}`, { cause: e });
    }
    mutations++;

    // Chaos: cut connections, force reconnects, and let two clients act through the flaky network.
    if (mutations % 15 === 0) cuts += proxy.cut(0.5);
    if (mutations % 37 === 0) pick(clients)!.engine.reconnect();
    if (mutations % 40 === 0) {
      const email = `c${submitted.length}@example.com`;
      const r = clients[submitted.length % 2]!.engine.submit({ type: "invite", email });
      if (r.ok) submitted.push(email);
    }
    if (mutations % 10 === 0) await new Promise((r) => setTimeout(r, rnd(30)));
  }
  expect(cuts).toBeGreaterThan(10);

  // Quiet network: everyone must reach the daemon's state.
  await Promise.all(clients.map((c) => c.engine.whenIdle()));
  const server = await serverState(writer, owner.orgID);
  const log = await writer.changes(owner.orgID, 0);
  expect(server.version).toBeGreaterThanOrEqual(MUTATIONS);
  const expectMembers = [...server.members].sort((a, b) => a.userID.localeCompare(b.userID));
  const expectInvites = [...server.invites].sort((a, b) => a.id.localeCompare(b.id));
  for (const [i, c] of clients.entries()) {
    await eventually(
      () => expect(c.engine.getState().version, `client ${i}`).toBe(server.version),
      20_000,
    );
    const s = c.engine.getState();
    expect([...s.server.members].sort((a, b) => a.userID.localeCompare(b.userID))).toEqual(
      expectMembers,
    );
    expect([...s.server.invites].sort((a, b) => a.id.localeCompare(b.id))).toEqual(expectInvites);
    // No change applied twice, and never out of order.
    expect(new Set(c.applied).size, `client ${i} applied a version twice`).toBe(c.applied.length);
    for (let k = 1; k < c.applied.length; k++)
      expect(c.applied[k]!).toBeGreaterThan(c.applied[k - 1]!);
    expect(s.pending.filter((a) => a.state !== "failed")).toEqual([]);
  }
  // The clients' own actions: each confirmed one happened exactly once.
  const failed = new Set(
    clients
      .flatMap((c) => c.engine.getState().pending.filter((a) => a.state === "failed"))
      .map((a) => (a.kind.type === "invite" ? a.kind.email : "")),
  );
  for (const email of submitted) {
    const created = log.changes.filter(
      (e) => e.change.type === "invite.created" && e.change.invite.email === email,
    );
    expect(created.length, email).toBe(failed.has(email) ? 0 : 1);
  }
  // The chaos did hit the resume path.
  const total = clients.reduce((a, c) => a + c.applied.length, 0);
  expect(total).toBeGreaterThan(CLIENTS * MUTATIONS * 0.5);
  await Promise.all(clients.map((c) => c.engine.close()));
}, 180_000);
