/**
 * Two daemon instances on one PostgreSQL server: a change made through one
 * reaches live sessions on the other (LISTEN/NOTIFY + the change feed), and
 * a member removed through one is revoked on the other.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLOSE, type ChangeMessage, type ServerMessage } from "@roster/core";
import { SyncEngine } from "@roster/core/client";
import { startInProcessDaemon, type InProcessDaemon, type OrgSetup } from "./support/daemon.ts";
import { startTestPostgres, type TestPostgres } from "./support/postgres.ts";
import { eventually, record, serverState, upgradeStatus } from "./live-helpers.ts";

let pg: TestPostgres;
let a: InProcessDaemon;
let b: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  pg = await startTestPostgres();
  const databaseUrl = await pg.createDatabase();
  a = await startInProcessDaemon({ databaseUrl, mail: false, resendIntervalS: 0 });
  b = await startInProcessDaemon({ databaseUrl, mail: false, resendIntervalS: 0 });
  owner = await a.setupOrg();
}, 120_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await pg?.stop();
});

const isChange = (m: ServerMessage): m is ChangeMessage => m.type === "change";

it("a change made through one instance reaches sessions on the other, in order, and both converge", async () => {
  const onB = await record(b.url, owner.orgID, owner.token);
  onB.hello(0);
  await onB.next((m) => m.type === "ready");
  const onA = await record(a.url, owner.orgID, owner.token);
  onA.hello(0);
  await onA.next((m) => m.type === "ready");

  const inv = await a.client(owner.token).createInvite(owner.orgID, { email: "via-a@example.com" });
  await onB.next(
    (m) => isChange(m) && m.change.type === "invite.created" && m.change.invite.id === inv.id,
  );
  const inv2 = await b
    .client(owner.token)
    .createInvite(owner.orgID, { email: "via-b@example.com" });
  await onA.next(
    (m) => isChange(m) && m.change.type === "invite.created" && m.change.invite.id === inv2.id,
  );

  // Interleaved writes through both: each session sees one gapless sequence.
  const writes = [];
  for (let i = 0; i < 20; i++) {
    const via = i % 2 === 0 ? a : b;
    writes.push(via.client(owner.token).createInvite(owner.orgID, { email: `x${i}@example.com` }));
  }
  await Promise.all(writes);
  const version = (await a.client(owner.token).listMembers(owner.orgID)).version;
  for (const r of [onA, onB]) {
    await r.next((m) => isChange(m) && m.version === version);
    const snap = r.messages[0];
    if (snap?.type !== "snapshot") throw new Error("expected a snapshot first");
    const versions = r.messages.filter(isChange).map((m) => m.version);
    expect(versions).toEqual(
      Array.from({ length: version - snap.version }, (_, i) => snap.version + 1 + i),
    );
  }

  // A sync engine on B sees what is written through A.
  const engine = await SyncEngine.open({
    client: b.client(owner.token),
    orgID: owner.orgID,
    actorID: owner.userID,
  });
  engine.start();
  try {
    await a.client(owner.token).withdrawInvite(owner.orgID, inv.id);
    const s = await serverState(a.client(owner.token), owner.orgID);
    await engine.waitFor((st) => st.version >= s.version);
    expect(
      engine
        .getState()
        .server.invites.map((i) => i.id)
        .sort(),
    ).toEqual(s.invites.map((i) => i.id).sort());
  } finally {
    await engine.close();
  }
  onA.close();
  onB.close();
});

it("a member removed through one instance is revoked on the other, and refused there", async () => {
  const inv = await a
    .client(owner.token)
    .createInvite(owner.orgID, { email: "leaver@example.com" });
  const accepted = await b.client().acceptInvite({ token: await a.activationToken(inv.id) });
  const onB = await record(b.url, owner.orgID, accepted.token!);
  onB.hello(0);
  await onB.next((m) => m.type === "ready");
  await a.client(owner.token).removeMember(owner.orgID, accepted.user.id);
  await onB.next((m) => m.type === "revoked");
  expect((await onB.closed).code).toBe(CLOSE.revoked);
  await eventually(async () =>
    expect(await upgradeStatus(b.url, owner.orgID, `Token ${accepted.token}`)).toBe(404),
  );
});

it("a token revoked through one instance closes its live sessions on the other (R13)", async () => {
  const t = await a.client(owner.token).createToken({ description: "scale-out" });
  const silent = await record(b.url, owner.orgID, t.token);
  const onB = await record(b.url, owner.orgID, t.token);
  onB.hello(0);
  await onB.next((m) => m.type === "ready");
  await a.client(owner.token).revokeToken(t.id);
  expect((await onB.closed).code).toBe(CLOSE.revoked);
  expect((await silent.closed).code).toBe(CLOSE.revoked);
  expect(await upgradeStatus(b.url, owner.orgID, `Token ${t.token}`)).toBe(401);
});
