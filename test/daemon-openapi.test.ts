/**
 * GET /api/v2/openapi.json is generated from the same zod schemas that
 * validate requests, and lists every route the daemon serves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startInProcessDaemon, type InProcessDaemon } from "./support/daemon.ts";

let d: InProcessDaemon;
let doc: any;

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false });
  const r = await http(d.url, "GET", "/api/v2/openapi.json");
  expect(r.status).toBe(200);
  doc = r.body;
});
afterAll(async () => {
  await d?.close();
});

const SPEC_ROUTES = [
  "get /health",
  "get /api/v2/setup",
  "post /api/v2/setup",
  "get /api/v2/me",
  "get /api/v2/orgs",
  "post /api/v2/orgs",
  "get /api/v2/orgs/{orgID}/members",
  "delete /api/v2/orgs/{orgID}/members/{userID}",
  "get /api/v2/orgs/{orgID}/invites",
  "post /api/v2/orgs/{orgID}/invites",
  "post /api/v2/orgs/{orgID}/invites/{inviteID}/resend",
  "delete /api/v2/orgs/{orgID}/invites/{inviteID}",
  "post /api/v2/invites/accept",
  "get /api/v2/orgs/{orgID}/changes",
  "get /api/v2/orgs/{orgID}/live",
  "get /activate/{token}",
  "post /activate/{token}",
  "get /api/v2/openapi.json",
  "get /api/v2/tokens",
  "post /api/v2/tokens",
  "delete /api/v2/tokens/{tokenID}",
];

/** The routes that need no token (`security: []`). */
const PUBLIC_ROUTES = [
  "get /health",
  "get /api/v2/setup",
  "post /api/v2/setup",
  "get /activate/{token}",
  "post /activate/{token}",
  "get /api/v2/openapi.json",
];

/** Open to anyone, signed in by a token when one is sent (R9: an existing account accepts signed in). */
const OPTIONAL_AUTH_ROUTES = { "post /api/v2/invites/accept": true };

/** Every operation of the document, as ["method path", operation]. */
function operations(): Array<[string, any]> {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, ops]) => Object.entries(ops).map(([m, op]): [string, any] => [`${m} ${path}`, op]),
  );
}

function documented(): string[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`),
  );
}

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 and lists every route of SPEC §2", () => {
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(doc.info.title).toBe("Roster API");
    expect(documented().sort()).toEqual([...SPEC_ROUTES].sort());
  });

  it("documents every route the HTTP app actually serves", () => {
    const served = new Set(
      d.daemon.app.routes
        .filter((r) => r.method !== "ALL")
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([^/]+)/g, "{$1}")}`),
    );
    const docs = new Set(documented());
    for (const route of served) expect(docs.has(route), route).toBe(true);
  });

  it("carries the request and response schemas from core", () => {
    const create = doc.paths["/api/v2/orgs/{orgID}/invites"].post;
    expect(create.requestBody.required).toBe(true);
    const body = create.requestBody.content["application/json"].schema;
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties).sort()).toEqual(["email", "role"]);
    const created = create.responses["201"].content["application/json"].schema;
    expect(Object.keys(created.properties)).toEqual(
      expect.arrayContaining(["id", "orgID", "email", "role", "status", "expiresAt", "delivery"]),
    );
    expect(create.responses["409"].content["application/json"].schema.properties).toHaveProperty(
      "reason",
    );
    expect(create.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: "path", name: "orgID" }),
        expect.objectContaining({ in: "header", name: "idempotency-key" }),
      ]),
    );
    expect(create.security).toEqual([{ Token: [] }]);
    expect(doc.components.securitySchemes.Token).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "Authorization",
    });
    const list = doc.paths["/api/v2/orgs/{orgID}/invites"].get;
    expect(list.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: "query", name: "status" })]),
    );
    const changes =
      doc.paths["/api/v2/orgs/{orgID}/changes"].get.responses["200"].content["application/json"]
        .schema;
    expect(Object.keys(changes.properties).sort()).toEqual(["changes", "oldest", "version"]);
  });

  it("needs the Token scheme everywhere by default and marks the public routes with empty security", () => {
    expect(doc.security).toEqual([{ Token: [] }]);
    const publicOps = new Set(PUBLIC_ROUTES);
    for (const [route, op] of operations()) {
      if (publicOps.has(route)) expect(op.security, route).toEqual([]);
      else if (route in OPTIONAL_AUTH_ROUTES)
        expect(op.security, route).toEqual([{}, { Token: [] }]);
      else expect(op.security, route).toEqual([{ Token: [] }]);
    }
    expect(doc.paths["/health"].get.security).toEqual([]);
    expect(doc.paths["/api/v2/me"].get.security).toEqual([{ Token: [] }]);
  });

  it("gives every operation a unique camelCase operationId", () => {
    const ids = operations().map(([route, op]) => {
      expect(op.operationId, route).toMatch(/^[a-z][A-Za-z0-9]*$/);
      return op.operationId as string;
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(SPEC_ROUTES.length);
    expect(doc.paths["/api/v2/orgs/{orgID}/invites"].post.operationId).toBe("createInvite");
    expect(doc.paths["/api/v2/orgs/{orgID}/members"].get.operationId).toBe("listMembers");
  });
});
