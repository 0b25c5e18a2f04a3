import { createRoute } from "@hono/zod-openapi";
import { HealthSchema } from "@roster/core";
import pkg from "../../../package.json" with { type: "json" };
import type { AppContext } from "../app-env.ts";
import { addRoute, jsonResponse, newRouter } from "../openapi-helpers.ts";

export const DAEMON_VERSION: string = pkg.version;

export function healthRoutes(ctx: AppContext) {
  const app = newRouter();
  const started = Date.now();
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/health",
      summary: "Liveness (no auth)",
      tags: ["health"],
      responses: { 200: jsonResponse(HealthSchema, "The daemon is up") },
    }),
    (c) =>
      c.json({
        name: "roster",
        status: "pass" as const,
        version: DAEMON_VERSION,
        storage: ctx.storage.kind,
        uptimeSeconds: Math.floor((Date.now() - started) / 1000),
      }),
  );
  return app;
}
