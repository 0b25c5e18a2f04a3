/** /api/v2/me — the caller. */
import { createRoute } from "@hono/zod-openapi";
import { MeSchema } from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { requireAuth } from "../middleware/auth.ts";
import * as api from "../openapi-helpers.ts";

export function meRoutes(ctx: AppContext) {
  const me = createRoute({
    method: "get",
    path: "/",
    operationId: "getMe",
    summary: "The caller",
    tags: ["users"],
    security: api.SECURITY,
    middleware: requireAuth(ctx),
    responses: api.ok(MeSchema, "The authenticated user", [401]),
  });
  return api.newRouter().openapi(me, (c) => c.json(c.var.user, 200));
}
