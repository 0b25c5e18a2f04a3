/** /api/v2/orgs — the caller's organizations; create one. */
import { createRoute } from "@hono/zod-openapi";
import { CreateOrgRequestSchema, OrgSchema, OrgsResponseSchema } from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { requireAuth } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import * as api from "../openapi-helpers.ts";

export function orgRoutes(ctx: AppContext) {
  const auth = requireAuth(ctx);
  const common = { path: "/", tags: ["orgs"], security: api.SECURITY };

  const list = createRoute({
    ...common,
    method: "get",
    middleware: auth,
    operationId: "listOrgs",
    summary: "Organizations the caller belongs to",
    responses: api.ok(OrgsResponseSchema, "The caller's organizations", [401]),
  });

  const create = createRoute({
    ...common,
    method: "post",
    middleware: api.chain(auth, idempotent(ctx, { json: true })),
    operationId: "createOrg",
    summary: "Create an organization with the caller as its only owner",
    request: api.jsonRequest(CreateOrgRequestSchema),
    responses: api.created(OrgSchema, "The new organization", [400, 401, 409, 413, 415, 429]),
  });

  return api
    .newRouter()
    .openapi(list, async (c) => c.json(await ctx.service.listOrgs(c.var.caller.userID), 200))
    .openapi(create, async (c) => {
      const { name } = c.req.valid("json");
      const { org } = await ctx.service.createOrg(c.var.caller, name, c.var.tx);
      return c.json(org, 201);
    });
}
