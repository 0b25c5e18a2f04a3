/**
 * Who may stay on the live feed (R10, R13), through real sockets against a
 * real daemon: a session goes live only after its membership is checked,
 * whatever `since` it asks for, and a removal closes every session of the
 * removed user on the org — live, or open without a hello yet ("the silent
 * socket") — before the removal's 204 returns.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE, type ServerMessage } from "@roster/core";
import { startInProcessDaemon, type InProcessDaemon, type OrgSetup } from "./support/daemon.ts";
import { rawConnect, record } from "./live-helpers.ts";

let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({
    resendIntervalS: 0,
    mail: false,
    live: { helloTimeoutMs: 30_000, closeGraceMs: 500 },
  });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

let seq = 0;
const email = () => `live-access-${++seq}@example.com`;
const ownerClient = () => d.client(owner.token);
const version = async () => (await ownerClient().listMembers(owner.orgID)).version;
const types = (ms: ServerMessage[]) => ms.map((m) => m.type);

/** A new member of the owner's org with their own token. */
async function addMember(): Promise<{ userID: string; token: string; email: string }> {
  const inv = await ownerClient().createInvite(owner.orgID, { email: email() });
  const r = await d.client().acceptInvite({ token: await d.activationToken(inv.id) });
  return { userID: r.user.id, token: r.token!, email: r.user.email };
}

/** Commit a change to the org and wait until a live watcher has seen it. */
async function changeAndWitness(): Promise<number> {
  const watcher = await record(d.url, owner.orgID, owner.token);
  watcher.hello(0);
  await watcher.next((m) => m.type === "ready");
  await ownerClient().createInvite(owner.orgID, { email: email() });
  const v = await version();
  await watcher.next((m) => m.type === "change" && m.version === v);
  watcher.close();
  return v;
}

describe("R10: removal is total on the live feed", () => {
  it("a socket opened before the removal, silent until after it, is closed by the removal and never goes live", async () => {
    const m = await addMember();
    const silent = await record(d.url, owner.orgID, m.token);
    await ownerClient().removeMember(owner.orgID, m.userID);
    // Told and closed before the removal's 204 returned: the close is already on its way.
    expect((await silent.closed).code).toBe(CLOSE.revoked);
    const v = await version();
    silent.hello(v); // "since = now": nothing to catch up, which once meant no check at all
    await changeAndWitness();
    expect(types(silent.messages)).toEqual(["revoked"]);
  });

  it("the same over a raw socket that keeps sending: hello{since: V} after the removal gets no change", async () => {
    const m = await addMember();
    const raw = await rawConnect(d.url, owner.orgID, m.token);
    await ownerClient().removeMember(owner.orgID, m.userID);
    const v = await version();
    raw.text(JSON.stringify({ type: "hello", since: v }));
    await changeAndWitness();
    await raw.ended;
    expect(raw.closeCode()).toBe(CLOSE.revoked);
    const texts = raw
      .frames()
      .filter((f) => f.opcode === 0x1)
      .map((f) => JSON.parse(f.payload.toString("utf8")) as ServerMessage);
    expect(types(texts)).toEqual(["revoked"]);
  });

  it("a live session of the removed member gets the removal, then revoked, before the 204 returns", async () => {
    const m = await addMember();
    const r = await record(d.url, owner.orgID, m.token);
    r.hello(0);
    await r.next((x) => x.type === "ready");
    const closed = r.closed.then(() => "closed");
    const revokedBefore = d.daemon.live.hub.stats().revoked;
    await ownerClient().removeMember(owner.orgID, m.userID);
    // Revoked by the daemon before it answered 204.
    expect(d.daemon.live.hub.stats().revoked).toBe(revokedBefore + 1);
    await r.next((x) => x.type === "revoked", 2000);
    expect(await closed).toBe("closed");
    const removal = r.messages.find(
      (x) => x.type === "change" && x.change.type === "member.removed",
    );
    expect(removal).toBeDefined();
  });

  it("membership is checked in the database at hello, whatever since: gone from the database → revoked", async () => {
    const m = await addMember();
    const r = await record(d.url, owner.orgID, m.token);
    // The membership disappears without any change-log entry (no feed event
    // could warn the hub): only the check at hello can see it.
    await d.daemon.storage.query("delete from memberships where org_id = $1 and user_id = $2", [
      owner.orgID,
      m.userID,
    ]);
    r.hello(await version());
    expect((await r.closed).code).toBe(CLOSE.revoked);
    expect(types(r.messages)).toEqual(["revoked"]);
  });

  it("other members' sessions, and the removed user's sessions on other orgs, are untouched", async () => {
    const m = await addMember();
    const other = await ownerClient().createOrg("Elsewhere");
    const inv = await ownerClient().createInvite(other.id, { email: m.email });
    const m2 = await d.client(m.token).acceptInvite({ token: await d.activationToken(inv.id) });
    expect(m2.user.id).toBe(m.userID);
    expect(m2.token).toBeUndefined(); // an existing account, signed in: no new token (R9)
    const elsewhere = await record(d.url, other.id, m.token);
    elsewhere.hello(0);
    await elsewhere.next((x) => x.type === "ready");
    const ownerSession = await record(d.url, owner.orgID, owner.token);
    ownerSession.hello(0);
    await ownerSession.next((x) => x.type === "ready");

    await ownerClient().removeMember(owner.orgID, m.userID);
    const v = await changeAndWitness();
    await ownerSession.next((x) => x.type === "change" && x.version === v);
    expect(ownerSession.ws.readyState).toBe(ownerSession.ws.OPEN);
    await ownerClient().createInvite(other.id, { email: email() });
    await elsewhere.next((x) => x.type === "change" && x.change.type === "invite.created");
    expect(elsewhere.ws.readyState).toBe(elsewhere.ws.OPEN);
    ownerSession.close();
    elsewhere.close();
  });
});
