import { createRoute } from "@hono/zod-openapi";
import { MembersResponseSchema } from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { callerOf, requireOrgMember } from "../auth.ts";
import { mutate } from "../mutation.ts";
import { readMembersJson } from "../org-reads.ts";
import {
  addRoute,
  errorResponses,
  IdempotencyHeaders,
  jsonResponse,
  newRouter,
  SECURITY,
  valid,
} from "../openapi-helpers.ts";
import { MemberParams, OrgParams } from "../validation.ts";

export function memberRoutes(ctx: AppContext) {
  const app = newRouter();
  const auth = [requireOrgMember(ctx)];
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/orgs/{orgID}/members",
      operationId: "listMembers",
      summary: "Members of an organization",
      tags: ["members"],
      security: SECURITY,
      middleware: auth,
      request: { params: OrgParams },
      responses: {
        200: jsonResponse(MembersResponseSchema, "Members, and the org version they were read at"),
        ...errorResponses(401, 404),
      },
    }),
    async (c) => {
      const { orgID } = valid<{ orgID: string }>(c, "param");
      const text = await readMembersJson(ctx, orgID, c.get("orgVersion"));
      return c.body(text, 200, { "Content-Type": "application/json" });
    },
  );
  addRoute(
    app,
    createRoute({
      method: "delete",
      path: "/orgs/{orgID}/members/{userID}",
      operationId: "removeMember",
      summary: "Remove a member (R10); nobody can remove themselves (R11)",
      tags: ["members"],
      security: SECURITY,
      middleware: auth,
      request: { params: MemberParams, headers: IdempotencyHeaders },
      responses: {
        204: { description: "Removed: the member lost access at once" },
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { orgID, userID } = valid<{ orgID: string; userID: string }>(c, "param");
      return mutate(ctx, c, {
        scope: c.get("caller").id,
        run: async (tx) => {
          await ctx.service.removeMember(callerOf(c), orgID, userID, tx);
          return { status: 204 };
        },
      });
    },
  );
  return app;
}
