/**
 * A client that stops reading is disconnected (CLOSE.resume) instead of
 * making the daemon buffer without bound; the other sessions keep going.
 *
 * Loopback kernel buffers swallow a few MiB before a socket's own buffer
 * grows, so the org is given 10 000 members with long names (inserted
 * directly) to make its snapshot big enough to fill them.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLOSE } from "@roster/core";
import { startInProcessDaemon, type InProcessDaemon, type OrgSetup } from "./support/daemon.ts";
import { eventually, rawConnect, record } from "./live-helpers.ts";

const LIMIT = 256 * 1024;
const BACKLOG = 16 * 1024;
const BULK = 10_000;
let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({
    mail: false,
    resendIntervalS: 0,
    live: { maxBufferedBytes: LIMIT, maxBacklogBytes: BACKLOG, closeGraceMs: 300 },
  });
  owner = await d.setupOrg();
  const now = new Date().toISOString();
  // Long names: few rows, many bytes.
  await d.daemon.storage.query(
    `insert into users (id, email, name, created_at)
     select 'bulk' || g, 'bulk' || g || '@example.com', 'Bulk member ' || g || ' ' || repeat('x', 400), $1
     from generate_series(1, ${BULK}) g`,
    [now],
  );
  await d.daemon.storage.query(
    `insert into memberships (org_id, user_id, role, joined_at)
     select $1, 'bulk' || g, 'owner', $2 from generate_series(1, ${BULK}) g`,
    [owner.orgID, now],
  );
}, 120_000);
afterAll(async () => {
  await d?.close();
});

it("a client that stops reading is closed for resume; buffered bytes stay bounded; others are unharmed", async () => {
  const hub = d.daemon.live.hub;
  const healthy = await record(d.url, owner.orgID, owner.token);
  healthy.hello(0);
  const snap = await healthy.next((m) => m.type === "snapshot", 30_000);
  if (snap.type !== "snapshot") throw new Error("unreachable");
  const snapshotBytes = JSON.stringify(snap).length;
  expect(snapshotBytes).toBeGreaterThan(5 * 1024 * 1024);
  await healthy.next((m) => m.type === "ready", 30_000);

  const slow = await rawConnect(d.url, owner.orgID, owner.token);
  slow.text(JSON.stringify({ type: "hello", since: 0 }));
  slow.socket.pause(); // never reads again
  await eventually(() => expect(hub.stats().sessions).toBe(2));
  const closedBefore = hub.stats().slowClosed;

  const writer = d.client(owner.token);
  let maxBuffered = 0;
  let mutations = 0;
  while (hub.stats().slowClosed === closedBefore && mutations < 200) {
    await writer.createInvite(owner.orgID, { email: `slow${mutations++}@example.com` });
    await new Promise((r) => setTimeout(r, 20));
    maxBuffered = Math.max(maxBuffered, hub.stats().bufferedBytes);
  }
  expect(hub.stats().slowClosed).toBe(closedBefore + 1);
  // Never more than the limits plus the one message that crossed each.
  expect(hub.stats().highWaterBytes).toBeLessThanOrEqual(LIMIT + snapshotBytes + 4096);
  expect(maxBuffered).toBeLessThanOrEqual(LIMIT + snapshotBytes + BACKLOG + 4096);
  await eventually(() => expect(hub.stats().sessions).toBe(1));

  // Keep writing: nothing accumulates for the dead session, the healthy one gets everything.
  for (let i = 0; i < 30; i++) {
    const inv = await writer.createInvite(owner.orgID, { email: `after${i}@example.com` });
    await writer.withdrawInvite(owner.orgID, inv.id);
  }
  const version = (await writer.listMembers(owner.orgID)).version;
  await healthy.next((m) => m.type === "change" && m.version === version, 20_000);
  expect(hub.stats().bufferedBytes).toBeLessThan(LIMIT + BACKLOG);
  const versions = healthy.messages.flatMap((m) => (m.type === "change" ? [m.version] : []));
  expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => snap.version + 1 + i));
  expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);

  // What the slow client got before it stalled ends, at most, in the resume close.
  slow.socket.resume();
  await slow.ended;
  expect([undefined, CLOSE.resume]).toContain(slow.closeCode());
  healthy.close();
}, 120_000);
