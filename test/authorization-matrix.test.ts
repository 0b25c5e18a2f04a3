/**
 * The authorization matrix (SPEC §2, R10, R13), generated from the daemon's
 * own route table (the served routes, cross-checked with the OpenAPI
 * document), so a new route cannot be forgotten: every route that needs a
 * token, and the live WebSocket, × (no token, malformed, unknown, revoked,
 * expired, member of another org, removed member, member). Only a member
 * gets into an org; only a valid token gets anywhere; an org the caller is
 * not in answers exactly like a made-up one.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  http,
  startInProcessDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { upgradeStatus } from "./live-helpers.ts";

let skewMs = 0;
let d: InProcessDaemon;
let owner: OrgSetup;
const tokens: Record<string, string> = {};
const MADE_UP = "0123456789abcdef";

/** The routes that need no token at all; anything else must be in the matrix. */
const PUBLIC = new Set([
  "GET /health",
  "GET /api/v2/setup",
  "POST /api/v2/setup",
  "GET /activate/:token",
  "POST /activate/:token",
  "GET /api/v2/openapi.json",
]);
/** Open to anyone; a token, when sent, must be valid (R9's accept). */
const OPTIONAL = new Set(["POST /api/v2/invites/accept"]);

async function join(orgID: string, email: string) {
  const inv = await d.client(owner.token).createInvite(orgID, { email });
  const acc = await d.client().acceptInvite({ token: await d.activationToken(inv.id) });
  return { userID: acc.user.id, token: acc.token! };
}

beforeAll(async () => {
  d = await startInProcessDaemon({
    mail: false,
    resendIntervalS: 0,
    now: () => Date.now() + skewMs,
  });
  owner = await d.setupOrg({ org: "A" });
  tokens.member = (await join(owner.orgID, "member@example.com")).token;
  const removed = await join(owner.orgID, "removed@example.com");
  await d.client(owner.token).removeMember(owner.orgID, removed.userID);
  tokens.removed = removed.token;
  const orgB = (await d.client(owner.token).createOrg("B")).id;
  tokens.other = (await join(orgB, "other@example.com")).token;
  const revoked = await d.client(tokens.member).createToken({ description: "revoked" });
  await d.client(tokens.member).revokeToken(revoked.id);
  tokens.revoked = revoked.token;
  const expiring = await d.client(tokens.member).createToken({
    description: "expired",
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  tokens.expired = expiring.token;
  skewMs = 120_000; // the daemon's clock is now past that token's expiry
});
afterAll(async () => {
  await d?.close();
});

type Kind = "invalid" | "outsider" | "member";
const CREDENTIALS: { name: string; kind: Kind; authorization: () => string | undefined }[] = [
  { name: "no token", kind: "invalid", authorization: () => undefined },
  { name: "malformed", kind: "invalid", authorization: () => "Token <not a token>" },
  {
    name: "unknown",
    kind: "invalid",
    authorization: () => `Token roster_tok_${randomBytes(32).toString("base64url")}`,
  },
  { name: "revoked", kind: "invalid", authorization: () => `Token ${tokens.revoked}` },
  { name: "expired", kind: "invalid", authorization: () => `Token ${tokens.expired}` },
  { name: "member of another org", kind: "outsider", authorization: () => `Token ${tokens.other}` },
  { name: "removed member", kind: "outsider", authorization: () => `Token ${tokens.removed}` },
  { name: "member", kind: "member", authorization: () => `Token ${tokens.member}` },
];

const UNAUTHORIZED = {
  code: "unauthorized",
  reason: "unauthorized",
  message: "A valid API token is required (Authorization: Token <token>, or Bearer <token>).",
};

/** Every route the app serves, as "METHOD /path/:param" (from Hono's route table). */
function servedRoutes(): string[] {
  const set = new Set(
    d.daemon.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`),
  );
  return [...set].sort();
}

/** A route's path with its parameters filled in: the org, or made-up ids. */
function pathFor(route: string, orgID: string): string {
  const path = route.split(" ")[1]!;
  return path.replace(/:orgID/g, orgID).replace(/:[A-Za-z]+/g, MADE_UP);
}

const routes = await (async () => {
  // The route list is read from a daemon of its own, before the tests are declared.
  const probe = await startInProcessDaemon({ mail: false });
  try {
    const served = new Set(
      probe.daemon.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`),
    );
    const doc = (await http(probe.url, "GET", "/api/v2/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{([^}]+)\}/g, ":$1")}`),
    );
    return { served: [...served].sort(), documented: documented.sort() };
  } finally {
    await probe.close();
  }
})();
const GUARDED = routes.served.filter((r) => !PUBLIC.has(r) && !OPTIONAL.has(r));

describe("the matrix covers the route table", () => {
  it("every served route is documented and every documented one served", () => {
    expect(servedRoutes()).toEqual(routes.served);
    expect(routes.served).toEqual(routes.documented);
  });
  it("the public routes are exactly the known ones; everything else is in the matrix", () => {
    for (const r of [...PUBLIC, ...OPTIONAL]) expect(routes.served, r).toContain(r);
    expect(GUARDED.length).toBe(routes.served.length - PUBLIC.size - OPTIONAL.size);
    expect(GUARDED).toContain("GET /api/v2/orgs/:orgID/live");
    expect(GUARDED).toContain("DELETE /api/v2/tokens/:tokenID");
  });
});

describe("HTTP: route × credential", () => {
  for (const route of GUARDED) {
    const method = route.split(" ")[0]!;
    const orgScoped = route.includes(":orgID");
    for (const cred of CREDENTIALS) {
      it(`${route} as ${cred.name}`, async () => {
        const authorization = cred.authorization();
        const send = (orgID: string) =>
          http(d.url, method, pathFor(route, orgID), {
            ...(authorization !== undefined ? { authorization } : {}),
            ...(method === "POST" ? { json: {} } : {}),
          });
        const real = await send(owner.orgID);
        if (cred.kind === "invalid") {
          expect(real.status).toBe(401);
          expect(real.body).toEqual(UNAUTHORIZED);
          expect(real.headers.get("www-authenticate")).toBe('Token realm="roster"');
        } else if (cred.kind === "outsider" && orgScoped) {
          // Indistinguishable from an org that does not exist.
          const madeUp = await send(MADE_UP);
          expect(real.status).toBe(404);
          expect(real.body).toEqual({
            code: "not found",
            reason: "org_not_found",
            message: "Organization not found.",
          });
          expect({ status: madeUp.status, body: madeUp.body }).toEqual({
            status: real.status,
            body: real.body,
          });
        } else {
          // Through: whatever the route then says, it is not about who is asking.
          expect(real.status, real.text).not.toBe(401);
          expect(real.status, real.text).not.toBe(403);
          expect(real.body?.reason, real.text).not.toBe("org_not_found");
        }
      });
    }
  }
});

describe("OPTIONAL routes: a sent token must be valid", () => {
  for (const route of OPTIONAL) {
    for (const cred of CREDENTIALS.filter((c) => c.kind === "invalid" && c.name !== "no token")) {
      it(`${route} as ${cred.name} → 401`, async () => {
        const r = await http(d.url, "POST", pathFor(route, owner.orgID), {
          authorization: cred.authorization()!,
          json: { token: "roster_inv_madeup" },
        });
        expect(r.status).toBe(401);
        expect(r.body).toEqual(UNAUTHORIZED);
      });
    }
  }
});

describe("WebSocket upgrade × credential", () => {
  for (const cred of CREDENTIALS) {
    const expected = cred.kind === "invalid" ? 401 : cred.kind === "outsider" ? 404 : 101;
    it(`as ${cred.name} → ${expected}`, async () => {
      expect(await upgradeStatus(d.url, owner.orgID, cred.authorization())).toBe(expected);
      if (cred.kind === "outsider") {
        expect(await upgradeStatus(d.url, MADE_UP, cred.authorization())).toBe(404);
      }
    });
  }
});
