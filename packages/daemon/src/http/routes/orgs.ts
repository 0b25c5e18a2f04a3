import { createRoute } from "@hono/zod-openapi";
import {
  CreateOrgRequestSchema,
  OrgSchema,
  OrgsResponseSchema,
  type CreateOrgRequest,
} from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { callerOf, requireAuth } from "../auth.ts";
import { mutate } from "../mutation.ts";
import {
  addRoute,
  errorResponses,
  IdempotencyHeaders,
  jsonContent,
  jsonResponse,
  newRouter,
  SECURITY,
  valid,
} from "../openapi-helpers.ts";

export function orgRoutes(ctx: AppContext) {
  const app = newRouter();
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/orgs",
      operationId: "listOrgs",
      summary: "Organizations the caller belongs to",
      tags: ["orgs"],
      security: SECURITY,
      middleware: [requireAuth(ctx)],
      responses: {
        200: jsonResponse(OrgsResponseSchema, "The caller's organizations"),
        ...errorResponses(401),
      },
    }),
    async (c) => c.json(await ctx.service.listOrgs(c.get("caller").id)),
  );
  addRoute(
    app,
    createRoute({
      method: "post",
      path: "/orgs",
      operationId: "createOrg",
      summary: "Create an organization with the caller as its only owner",
      tags: ["orgs"],
      security: SECURITY,
      middleware: [requireAuth(ctx)],
      request: {
        headers: IdempotencyHeaders,
        body: { required: true, content: jsonContent(CreateOrgRequestSchema) },
      },
      responses: {
        201: jsonResponse(OrgSchema, "The new organization"),
        ...errorResponses(400, 401, 409, 413, 415),
      },
    }),
    async (c) => {
      const body = valid<CreateOrgRequest>(c, "json");
      return mutate(ctx, c, {
        scope: c.get("caller").id,
        body,
        run: async (tx) => {
          const { org } = await ctx.service.createOrg(callerOf(c), body.name, tx);
          return { status: 201, body: org };
        },
      });
    },
  );
  return app;
}
