import { createRoute } from "@hono/zod-openapi";
import { MembersResponseSchema } from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { requireAuth, requireMember } from "../auth.ts";
import { mutate } from "../mutation.ts";
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
  const auth = [requireAuth(ctx), requireMember(ctx)];
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/orgs/{orgID}/members",
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
    async (c) => c.json(await ctx.service.listMembers(valid<{ orgID: string }>(c, "param").orgID)),
  );
  addRoute(
    app,
    createRoute({
      method: "delete",
      path: "/orgs/{orgID}/members/{userID}",
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
      const caller = c.get("caller");
      return mutate(ctx, c, {
        scope: caller.id,
        run: async (tx) => {
          await ctx.service.removeMember(
            { userID: caller.id, email: caller.email },
            orgID,
            userID,
            tx,
          );
          return { status: 204 };
        },
      });
    },
  );
  return app;
}
