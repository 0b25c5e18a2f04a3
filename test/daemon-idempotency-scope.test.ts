/**
 * Idempotency-Key over real HTTP (SPEC §2, issue 12): a key is bound to the
 * request as canonical JSON (a retry that orders the body's keys differently
 * is the same request), and on the public routes to what the anonymous
 * caller proved: accept to the invitation token's hash, setup to a scope of
 * its own. A repeated key never replays one invitee's API token to another.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startInProcessDaemon, type InProcessDaemon } from "./support/daemon.ts";

let d: InProcessDaemon;
let owner: { token: string; orgID: string };
const SETUP_KEY = `setup-key-${Math.random()}`;
const setupBody = { org: "Idem", email: "idem-owner@example.com", name: "Owner" };

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false, resendIntervalS: 0 });
  const r = await http(d.url, "POST", "/api/v2/setup", {
    json: setupBody,
    headers: { "Idempotency-Key": SETUP_KEY },
  });
  expect(r.status).toBe(201);
  owner = { token: r.body.token, orgID: r.body.org.id };
});
afterAll(async () => {
  await d?.close();
});

let seq = 0;
async function invite(): Promise<{ id: string; email: string; token: string }> {
  const email = `idem-${++seq}@example.com`;
  const inv = await d.client(owner.token).createInvite(owner.orgID, { email });
  return { id: inv.id, email, token: await d.activationToken(inv.id) };
}

describe("the request a key is bound to is canonical JSON", () => {
  it("a retry with the same body in another key order replays the first response", async () => {
    const key = { "Idempotency-Key": `order-${Math.random()}` };
    const path = `/api/v2/orgs/${owner.orgID}/invites`;
    const first = await http(d.url, "POST", path, {
      token: owner.token,
      raw: '{"email":"order@example.com","role":"owner"}',
      headers: { ...key, "Content-Type": "application/json" },
    });
    const again = await http(d.url, "POST", path, {
      token: owner.token,
      raw: '{"role":"owner","email":"order@example.com"}',
      headers: { ...key, "Content-Type": "application/json" },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const all = await d.client(owner.token).listInvites(owner.orgID, "all");
    expect(all.invites.filter((i) => i.email === "order@example.com")).toHaveLength(1);
  });

  it("another body under the key is still refused", async () => {
    const key = { "Idempotency-Key": `other-${Math.random()}` };
    const path = `/api/v2/orgs/${owner.orgID}/invites`;
    await http(d.url, "POST", path, {
      token: owner.token,
      json: { email: "o1@example.com" },
      headers: key,
    });
    const other = await http(d.url, "POST", path, {
      token: owner.token,
      json: { email: "o2@example.com" },
      headers: key,
    });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ reason: "idempotency_key_reused" });
  });
});

describe("anonymous scopes", () => {
  it("accept: one key for two invitations is two requests, each replayed only to its own link", async () => {
    const key = { "Idempotency-Key": `shared-${Math.random()}` };
    const a = await invite();
    const b = await invite();
    const acceptA = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: a.token, name: "A" },
      headers: key,
    });
    const acceptB = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { name: "B", token: b.token },
      headers: key,
    });
    expect(acceptA.status).toBe(200);
    expect(acceptB.status).toBe(200);
    expect(acceptB.headers.get("idempotent-replayed")).toBeNull();
    expect(acceptA.body.user.email).toBe(a.email);
    expect(acceptB.body.user.email).toBe(b.email);
    expect(acceptB.body.token).not.toBe(acceptA.body.token);

    // A retry of A (keys in another order) replays A's answer, and only A's.
    const retryA = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { name: "A", token: a.token },
      headers: key,
    });
    expect(retryA.headers.get("idempotent-replayed")).toBe("true");
    expect(retryA.body).toEqual(acceptA.body);
    // The stored answers are not readable from the database.
    const rows = await d.daemon.storage.query<{ response: string | null }>(
      "select response from idempotency",
    );
    for (const r of rows.rows) {
      expect(r.response ?? "").not.toContain(acceptA.body.token);
      expect(r.response ?? "").not.toContain(acceptB.body.token);
    }
  });

  it("setup and accept do not share a scope: setup's key is free on accept", async () => {
    const inv = await invite();
    const r = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: inv.token },
      headers: { "Idempotency-Key": SETUP_KEY },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("idempotent-replayed")).toBeNull();
    expect(r.body.user.email).toBe(inv.email);
  });

  it("an accept with an unknown link and a used key answers for that link, never replays another's token", async () => {
    const inv = await invite();
    const key = { "Idempotency-Key": `probe-${Math.random()}` };
    const ok = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: inv.token },
      headers: key,
    });
    expect(ok.status).toBe(200);
    const probe = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: "roster_inv_made-up" },
      headers: key,
    });
    expect(probe.status).toBe(404);
    expect(probe.body).toMatchObject({ reason: "invite_not_found" });
    expect(probe.text).not.toContain(ok.body.token);
  });

  it("a signed-in accept's key is its user's too: never replayed to an anonymous caller with the link", async () => {
    // An existing account (joined org A) is invited to org B and accepts signed in.
    const first = await invite();
    const joined = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: first.token },
    });
    expect(joined.status).toBe(200);
    const orgB = (await d.client(owner.token).createOrg(`B-${Math.random()}`)).id;
    const inv = await d.client(owner.token).createInvite(orgB, { email: first.email });
    const link = await d.activationToken(inv.id);
    const key = { "Idempotency-Key": `signed-${Math.random()}` };
    const signed = await http(d.url, "POST", "/api/v2/invites/accept", {
      token: joined.body.token,
      json: { token: link },
      headers: key,
    });
    expect(signed.status).toBe(200);
    expect(signed.body.token).toBeUndefined();
    const anonymous = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: link },
      headers: key,
    });
    expect(anonymous.headers.get("idempotent-replayed")).toBeNull();
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.text).not.toContain(signed.body.user.id);
    // The signed-in caller's own retry replays.
    const retry = await http(d.url, "POST", "/api/v2/invites/accept", {
      token: joined.body.token,
      json: { token: link },
      headers: key,
    });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(signed.body);
  });

  it("setup replays to a retry of the same key and body (keys in any order)", async () => {
    const r = await http(d.url, "POST", "/api/v2/setup", {
      json: { name: setupBody.name, email: setupBody.email, org: setupBody.org },
      headers: { "Idempotency-Key": SETUP_KEY },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get("idempotent-replayed")).toBe("true");
    expect(r.body.token).toBe(owner.token);
  });
});
