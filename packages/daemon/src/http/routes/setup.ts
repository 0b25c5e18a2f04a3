import { createRoute } from "@hono/zod-openapi";
import {
  SetupRequestSchema,
  SetupResponseSchema,
  SetupStatusSchema,
  type SetupRequest,
  type SetupResponse,
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

export function setupRoutes(ctx: AppContext) {
  const app = newRouter();
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/setup",
      operationId: "getSetup",
      security: PUBLIC,
      summary: "Whether first-run setup is still possible (no auth)",
      tags: ["setup"],
      responses: {
        200: jsonResponse(SetupStatusSchema, "allowed is true while no organization exists"),
      },
    }),
    async (c) => c.json({ allowed: await ctx.service.setupAllowed() }),
  );
  addRoute(
    app,
    createRoute({
      method: "post",
      path: "/setup",
      operationId: "setup",
      security: PUBLIC,
      summary:
        "Create the first organization, its owner and an API token (no auth, only while allowed)",
      tags: ["setup"],
      request: {
        headers: IdempotencyHeaders,
        body: { required: true, content: jsonContent(SetupRequestSchema) },
      },
      responses: {
        201: jsonResponse(
          SetupResponseSchema,
          "The org, the first owner and their API token (shown once)",
        ),
        ...errorResponses(400, 409, 413, 415),
      },
    }),
    async (c) => {
      const body = valid<SetupRequest>(c, "json");
      return mutate(ctx, c, {
        scope: "anonymous",
        body,
        run: async (tx) => {
          const r = await ctx.service.setup(body, tx);
          const res: SetupResponse = { org: r.org, user: r.user, token: r.token };
          return { status: 201, body: res };
        },
      });
    },
  );
  return app;
}
