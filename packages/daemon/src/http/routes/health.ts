/**
 * GET /health (no auth), in the style of InfluxDB's: `200 {"status":"pass"}`
 * when the daemon can reach its database (`select 1` answered within a
 * second), `503 {"status":"fail"}` otherwise. `checks` says which part failed;
 * the database's own error goes to the log, not to this unauthenticated page
 * (it may name the server's address).
 */
import { createRoute } from "@hono/zod-openapi";
import { HealthSchema, LimitsSchema } from "@roster/core";
import { z } from "zod";
import pkg from "../../../package.json" with { type: "json" };
import { checkDatabase } from "../../storage/database-check.ts";
import type { AppContext } from "../app-env.ts";
import * as api from "../openapi-helpers.ts";

export const DAEMON_VERSION: string = pkg.version;

/** How long the database may take to answer `select 1`. */
export const DATABASE_CHECK_TIMEOUT_MS = 1000;

const CheckSchema = z.object({
  name: z.string(),
  status: z.enum(["pass", "fail"]),
  message: z.string().optional(),
});
const HealthPassSchema = HealthSchema.extend({
  checks: z.array(CheckSchema),
  limits: LimitsSchema,
});
const HealthFailSchema = z
  .object({ status: z.literal("fail"), version: z.string(), checks: z.array(CheckSchema) })
  .loose();

export function healthRoutes(ctx: AppContext, databaseTimeoutMs = DATABASE_CHECK_TIMEOUT_MS) {
  const started = Date.now();
  const health = createRoute({
    method: "get",
    path: "/",
    operationId: "getHealth",
    security: api.PUBLIC,
    summary: "Health (no auth): the daemon is up and its database answers",
    tags: ["health"],
    responses: {
      200: api.jsonResponse(HealthPassSchema, "The daemon is up and its database answers"),
      503: api.jsonResponse(
        HealthFailSchema,
        "The daemon is up but its database does not answer (closed, unreachable or too slow)",
      ),
    },
  });
  /** The answer, in this key order either way. */
  const report = <S extends "pass" | "fail", C>(status: S, message: string, check: C) => ({
    name: "roster",
    message,
    status,
    version: DAEMON_VERSION,
    storage: ctx.storage.kind,
    uptimeSeconds: Math.floor((Date.now() - started) / 1000),
    // The rule limits in force, so clients check R5/R7 locally with the daemon's numbers.
    limits: ctx.service.ctx.limits,
    checks: [check],
  });

  return api.newRouter().openapi(health, async (c) => {
    const db = await checkDatabase(ctx.storage, databaseTimeoutMs);
    if (db.status === "pass") {
      return c.json(
        report("pass", "ready for requests", { name: "database", status: "pass" as const }),
        200,
      );
    }
    c.var.log.warn({ err: db.err, check: "database" }, "health check failed");
    const check = { name: "database", status: "fail" as const, message: db.message };
    return c.json(report("fail", "the database does not answer", check), 503);
  });
}
