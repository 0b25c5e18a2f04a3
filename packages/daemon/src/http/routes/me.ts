import { createRoute } from "@hono/zod-openapi";
import { MeSchema } from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { requireAuth } from "../auth.ts";
import { addRoute, errorResponses, jsonResponse, newRouter, SECURITY } from "../openapi-helpers.ts";

export function meRoutes(ctx: AppContext) {
  const app = newRouter();
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/me",
      operationId: "getMe",
      summary: "The caller",
      tags: ["users"],
      security: SECURITY,
      middleware: [requireAuth(ctx)],
      responses: { 200: jsonResponse(MeSchema, "The authenticated user"), ...errorResponses(401) },
    }),
    (c) => {
      const { id, email, name } = c.get("caller");
      return c.json({ id, email, name });
    },
  );
  return app;
}
