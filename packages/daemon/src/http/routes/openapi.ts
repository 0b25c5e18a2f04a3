/** /api/v2/openapi.json — the OpenAPI document, generated from every mounted route. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppContext, Env } from "../app-env.ts";
import * as api from "../openapi-helpers.ts";
import { DAEMON_VERSION } from "./health.ts";

export const OPENAPI_PATH = "/api/v2/openapi.json";

/** The document of `app` (generated on first request, once every route is mounted). */
export function openApiRoutes(app: OpenAPIHono<Env>, ctx: Pick<AppContext, "publicUrl">) {
  app.openAPIRegistry.registerComponent("securitySchemes", "Token", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description: "`Token <token>` (InfluxDB style) or `Bearer <token>`",
  });
  const document = createRoute({
    method: "get",
    path: "/",
    operationId: "getOpenApi",
    security: api.PUBLIC,
    summary: "This OpenAPI document",
    tags: ["meta"],
    responses: {
      200: api.jsonResponse(z.object({ openapi: z.string() }).loose(), "OpenAPI 3.1 document"),
    },
  });
  let doc: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  return api.newRouter().openapi(document, (c) => {
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
      security: api.SECURITY,
    });
    return c.json(doc, 200);
  });
}
