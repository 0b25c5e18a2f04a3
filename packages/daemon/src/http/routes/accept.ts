import { createRoute } from "@hono/zod-openapi";
import {
  AcceptRequestSchema,
  AcceptResponseSchema,
  type AcceptRequest,
  type AcceptResponse,
} from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { mutate } from "../mutation.ts";
import {
  addRoute,
  errorResponses,
  IdempotencyHeaders,
  jsonContent,
  jsonResponse,
  newRouter,
  PUBLIC,
  valid,
} from "../openapi-helpers.ts";

export function acceptRoutes(ctx: AppContext) {
  const app = newRouter();
  addRoute(
    app,
    createRoute({
      method: "post",
      path: "/invites/accept",
      operationId: "acceptInvite",
      security: PUBLIC,
      summary: "Accept an invitation with its activation token (R9; no auth)",
      tags: ["invites"],
      request: {
        headers: IdempotencyHeaders,
        body: { required: true, content: jsonContent(AcceptRequestSchema) },
      },
      responses: {
        200: jsonResponse(
          AcceptResponseSchema,
          "The member's user, the org and a new API token (shown once)",
        ),
        ...errorResponses(400, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const body = valid<AcceptRequest>(c, "json");
      return mutate(ctx, c, {
        scope: "anonymous",
        body,
        run: async (tx) => {
          const r = await ctx.service.acceptInvite(
            { token: body.token, name: body.name || undefined },
            tx,
          );
          const res: AcceptResponse = { user: r.user, org: r.org, token: r.token };
          return { status: 200, body: res };
        },
      });
    },
  );
  return app;
}
