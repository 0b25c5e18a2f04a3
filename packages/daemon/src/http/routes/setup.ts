/** /api/v2/setup — first-run setup (no auth, only while no organization exists). */
import { createRoute } from "@hono/zod-openapi";
import { SetupRequestSchema, SetupResponseSchema, SetupStatusSchema } from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { idempotentPublic } from "../middleware/idempotency.ts";
import * as api from "../openapi-helpers.ts";

export function setupRoutes(ctx: AppContext) {
  const common = { path: "/", tags: ["setup"], security: api.PUBLIC };

  const status = createRoute({
    ...common,
    method: "get",
    operationId: "getSetup",
    summary: "Whether first-run setup is still possible (no auth)",
    responses: {
      200: api.jsonResponse(SetupStatusSchema, "allowed is true while no organization exists"),
    },
  });

  const setup = createRoute({
    ...common,
    method: "post",
    // Setup proves nothing but the key itself; its keys share no scope with accept's.
    middleware: idempotentPublic(ctx, { json: true, scope: () => "setup" }),
    operationId: "setup",
    summary:
      "Create the first organization, its owner and an API token (no auth, only while allowed)",
    request: api.jsonRequest(SetupRequestSchema),
    responses: api.created(
      SetupResponseSchema,
      "The org, the first owner and their API token (shown once)",
      [400, 409, 413, 415],
    ),
  });

  return api
    .newRouter()
    .openapi(status, async (c) => c.json({ allowed: await ctx.service.setupAllowed() }, 200))
    .openapi(setup, async (c) => {
      const { org, user, token } = await ctx.service.setup(c.req.valid("json"), c.var.tx);
      return c.json({ org, user, token }, 201);
    });
}
