/**
 * The auth matrix (SPEC §2, R10): no token, malformed token, unknown token,
 * member of another org, removed member, member — against every endpoint
 * that needs a token. Only a member gets into an org; an org the caller does
 * not belong to answers 404, and a refused request changes nothing.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RosterClient } from "@roster/core/client";
import {
  http,
  startInProcessDaemon,
  type HttpOptions,
  type InProcessDaemon,
} from "./support/daemon.ts";

let d: InProcessDaemon;
let owner: RosterClient;
let orgA: string;
const tokens: Record<string, string> = {};
let seq = 0;
const unique = (p: string) => `${p}-${++seq}@example.com`;

async function join(orgID: string, email: string) {
  const inv = await owner.createInvite(orgID, { email });
  const acc = await d.client().acceptInvite({ token: await d.activationToken(inv.id) });
  return { userID: acc.user.id, token: acc.token! };
}

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false, resendIntervalS: 0 });
  const o = await d.setupOrg({ org: "A" });
  owner = d.client(o.token);
  orgA = o.orgID;
  tokens.member = (await join(orgA, "member@example.com")).token;
  const removed = await join(orgA, "removed@example.com");
  await owner.removeMember(orgA, removed.userID);
  tokens.removed = removed.token;
  const orgB = (await owner.createOrg("B")).id;
  tokens.other = (await join(orgB, "other@example.com")).token;
});
afterAll(async () => {
  await d?.close();
});

/** Every 401: the challenge header (checked below) and a message naming both schemes. */
const UNAUTHORIZED = {
  code: "unauthorized",
  reason: "unauthorized",
  message: "A valid API token is required (Authorization: Token <token>, or Bearer <token>).",
};

type Credential = { name: string; auth: () => HttpOptions };
const CREDENTIALS: Credential[] = [
  { name: "no token", auth: () => ({}) },
  { name: "malformed: scheme only", auth: () => ({ authorization: "Token" }) },
  {
    name: "malformed: Basic",
    auth: () => ({ authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }),
  },
  { name: "malformed: two words", auth: () => ({ authorization: `Token ${tokens.member} extra` }) },
  { name: "malformed: bad characters", auth: () => ({ authorization: "Token <script>" }) },
  {
    name: "unknown token",
    auth: () => ({ authorization: `Token ${randomBytes(32).toString("base64url")}` }),
  },
  { name: "member of another org", auth: () => ({ token: tokens.other! }) },
  { name: "removed member", auth: () => ({ token: tokens.removed! }) },
  { name: "member", auth: () => ({ token: tokens.member! }) },
  { name: "member (Bearer)", auth: () => ({ authorization: `bearer ${tokens.member}` }) },
];
const isMember = (c: Credential) => c.name.startsWith("member") && !c.name.includes("another");
const isValidUser = (c: Credential) =>
  ["member of another org", "removed member"].includes(c.name) || isMember(c);

interface Endpoint {
  name: string;
  /** Prepare a fresh target (as the owner) and return the request. */
  prepare: () => Promise<{ method: string; path: string; json?: unknown }>;
  ok: number;
}

const ORG_ENDPOINTS: Endpoint[] = [
  {
    name: "GET members",
    ok: 200,
    prepare: async () => ({ method: "GET", path: `/api/v2/orgs/${orgA}/members` }),
  },
  {
    name: "DELETE member",
    ok: 204,
    prepare: async () => {
      const t = await join(orgA, unique("target"));
      return { method: "DELETE", path: `/api/v2/orgs/${orgA}/members/${t.userID}` };
    },
  },
  {
    name: "GET invites",
    ok: 200,
    prepare: async () => ({ method: "GET", path: `/api/v2/orgs/${orgA}/invites` }),
  },
  {
    name: "POST invites",
    ok: 201,
    prepare: async () => ({
      method: "POST",
      path: `/api/v2/orgs/${orgA}/invites`,
      json: { email: unique("new") },
    }),
  },
  {
    name: "POST resend",
    ok: 200,
    prepare: async () => {
      const inv = await owner.createInvite(orgA, { email: unique("resend") });
      return { method: "POST", path: `/api/v2/orgs/${orgA}/invites/${inv.id}/resend` };
    },
  },
  {
    name: "DELETE invite",
    ok: 204,
    prepare: async () => {
      const inv = await owner.createInvite(orgA, { email: unique("withdraw") });
      return { method: "DELETE", path: `/api/v2/orgs/${orgA}/invites/${inv.id}` };
    },
  },
  {
    name: "GET changes",
    ok: 200,
    prepare: async () => ({ method: "GET", path: `/api/v2/orgs/${orgA}/changes?since=0` }),
  },
];

const USER_ENDPOINTS: Endpoint[] = [
  { name: "GET me", ok: 200, prepare: async () => ({ method: "GET", path: "/api/v2/me" }) },
  { name: "GET orgs", ok: 200, prepare: async () => ({ method: "GET", path: "/api/v2/orgs" }) },
  {
    name: "POST orgs",
    ok: 201,
    prepare: async () => ({ method: "POST", path: "/api/v2/orgs", json: { name: "New" } }),
  },
];

async function version(): Promise<number> {
  return (await owner.changes(orgA, 0)).version;
}

describe("org endpoints: only members get in", () => {
  for (const ep of ORG_ENDPOINTS) {
    for (const cred of CREDENTIALS) {
      const expected = isMember(cred) ? ep.ok : isValidUser(cred) ? 404 : 401;
      it(`${ep.name} as ${cred.name} → ${expected}`, async () => {
        const req = await ep.prepare();
        const before = await version();
        const r = await http(d.url, req.method, req.path, {
          ...cred.auth(),
          ...(req.json !== undefined ? { json: req.json } : {}),
        });
        expect(r.status).toBe(expected);
        if (expected === 401) {
          expect(r.body).toEqual(UNAUTHORIZED);
          expect(r.headers.get("www-authenticate")).toBe('Token realm="roster"');
        } else if (expected === 404) {
          expect(r.body).toEqual({
            code: "not found",
            reason: "org_not_found",
            message: "Organization not found.",
          });
        }
        const after = await version();
        if (expected === ep.ok && req.method !== "GET") expect(after).toBe(before + 1);
        else expect(after).toBe(before);
      });
    }
  }
});

describe("user endpoints: any valid token", () => {
  for (const ep of USER_ENDPOINTS) {
    for (const cred of CREDENTIALS) {
      const expected = isValidUser(cred) ? ep.ok : 401;
      it(`${ep.name} as ${cred.name} → ${expected}`, async () => {
        const req = await ep.prepare();
        const r = await http(d.url, req.method, req.path, {
          ...cred.auth(),
          ...(req.json !== undefined ? { json: req.json } : {}),
        });
        expect(r.status).toBe(expected);
        if (expected === 401) {
          expect(r.body).toEqual(UNAUTHORIZED);
          expect(r.headers.get("www-authenticate")).toBe('Token realm="roster"');
        } else {
          expect(r.headers.get("www-authenticate")).toBeNull();
        }
      });
    }
  }
});

describe("org ids cannot be probed", () => {
  it("a member of another org gets the same 404 for an existing and a made-up org", async () => {
    const real = await http(d.url, "GET", `/api/v2/orgs/${orgA}/members`, { token: tokens.other! });
    const fake = await http(d.url, "GET", "/api/v2/orgs/0123456789abcdef/members", {
      token: tokens.other!,
    });
    expect(real.status).toBe(404);
    expect(fake.status).toBe(404);
    expect(real.body).toEqual(fake.body);
  });

  it("authentication is checked before the body: a bad body without a token is 401", async () => {
    const r = await http(d.url, "POST", `/api/v2/orgs/${orgA}/invites`, {
      raw: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe('Token realm="roster"');
  });
});
