import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ErrorBodySchema, ServerMessageSchema } from "@roster/core";
import { z } from "zod";
import type { AppContext, Env } from "../app-env.ts";
import { addRoute, jsonResponse, PUBLIC, SECURITY } from "../openapi-helpers.ts";
import { OrgParams } from "../validation.ts";
import { DAEMON_VERSION } from "./health.ts";

export const OPENAPI_PATH = "/api/v2/openapi.json";

/**
 * Document the live WebSocket (its handler is the live-sync module's) and
 * serve the OpenAPI document generated from every registered route.
 */
export function addOpenApi(app: OpenAPIHono<Env>, ctx: AppContext): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "Token", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description: "`Token <token>` (InfluxDB style) or `Bearer <token>`",
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/api/v2/orgs/{orgID}/live",
    operationId: "connectLive",
    summary:
      "Live changes over a WebSocket (SPEC §3). Token in the Authorization header, checked before the upgrade. Client sends {type:'hello', since}; the daemon answers with a snapshot or the missed changes, then streams changes.",
    tags: ["live"],
    security: SECURITY,
    request: { params: OrgParams },
    responses: {
      101: {
        description: "Switching protocols; server messages follow",
        content: { "application/json": { schema: ServerMessageSchema } },
      },
      400: jsonResponse(ErrorBodySchema, "not a WebSocket upgrade request"),
      401: jsonResponse(ErrorBodySchema, "unauthorized (before the upgrade)"),
      404: jsonResponse(ErrorBodySchema, "not found, or not a member (before the upgrade)"),
    },
  });

  let doc: unknown;
  addRoute(
    app,
    createRoute({
      method: "get",
      path: OPENAPI_PATH,
      operationId: "getOpenApi",
      security: PUBLIC,
      summary: "This OpenAPI document",
      tags: ["meta"],
      responses: {
        200: jsonResponse(z.object({ openapi: z.string() }).loose(), "OpenAPI 3.1 document"),
      },
    }),
    (c) => {
      doc ??= app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Roster API",
          version: DAEMON_VERSION,
          description:
            "Who belongs to an organization: members, invitations, the change log. Errors are {code, message, reason?} with InfluxDB's codes.",
        },
        servers: [{ url: ctx.publicUrl() }],
        // Every operation needs a token unless it says `security: []`.
        security: SECURITY,
      });
      return c.json(doc);
    },
  );
}
