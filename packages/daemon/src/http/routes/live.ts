/**
 * /api/v2/orgs/:orgID/live — the WebSocket of live sync (SPEC §3), on
 * @hono/node-server's own upgradeWebSocket; the sessions are the live hub's
 * (live/live-hub.ts). The token and the membership are checked by the usual
 * middleware before the upgrade, so a refusal is a plain HTTP 401/404 (with
 * the API's JSON error body: see upgrade-refusal.ts) and never an
 * upgraded socket. A plain GET (no Upgrade header) is answered 400.
 */
import { upgradeWebSocket } from "@hono/node-server";
import { ErrorBodySchema, errors, ServerMessageSchema } from "@roster/core";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { LiveSession } from "../../live/live-session.ts";
import { fail } from "../../service/domain-failure.ts";
import { RequestError } from "../api-error.ts";
import type { AppContext } from "../app-env.ts";
import { requireOrgMember } from "../middleware/auth.ts";
import * as api from "../openapi-helpers.ts";

export function liveRoutes(ctx: Pick<AppContext, "service" | "live">, logger: Logger) {
  const router = api.newRouter();
  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/",
    operationId: "connectLive",
    summary:
      "Live changes over a WebSocket (SPEC §3). Token in the Authorization header, checked before the upgrade. Client sends {type:'hello', since}; the daemon answers with a snapshot or the missed changes, then streams changes.",
    tags: ["live"],
    security: api.SECURITY,
    request: { params: api.OrgParams },
    responses: {
      101: {
        description: "Switching protocols; server messages follow",
        content: { "application/json": { schema: ServerMessageSchema } },
      },
      400: api.jsonResponse(ErrorBodySchema, "not a WebSocket upgrade request"),
      401: api.jsonResponse(ErrorBodySchema, "unauthorized (before the upgrade)"),
      404: api.jsonResponse(ErrorBodySchema, "not found, or not a member (before the upgrade)"),
      429: {
        ...api.jsonResponse(
          ErrorBodySchema,
          "too many live sessions (reason session_limit): the caller's, or the daemon's; Retry-After says when to try again",
        ),
        headers: {
          "Retry-After": {
            description: "Whole seconds until the request may succeed",
            schema: { type: "integer" as const, minimum: 0 },
          },
        },
      },
    },
  });
  const hub = ctx.live;
  router.get(
    "/",
    // Token and membership in one query, before the upgrade.
    requireOrgMember(ctx),
    // The live-session caps, checked before the upgrade: a plain 429.
    async (c, next) => {
      const over = hub.sessionLimit(c.var.caller.userID);
      if (over) fail(errors.sessionLimit(over.limit, over.scope));
      await next();
    },
    upgradeWebSocket(
      (c) => {
        const orgID = c.req.param("orgID") ?? "";
        const { caller, orgVersion, credential } = c.var;
        let session: LiveSession | undefined;
        return {
          onOpen(_evt, ws) {
            session = hub.attach(ws.raw as WebSocket, orgID, caller.userID, orgVersion, credential);
          },
          onMessage(evt) {
            if (session) hub.onMessage(session, evt.data);
          },
          onClose() {
            if (session) hub.detach(session);
          },
          onError() {
            // ws closes the socket itself (bad frame, too big, reset); onClose follows.
          },
        };
      },
      { onError: (err) => logger.error({ err }, "live session handler failed") },
    ),
    () => {
      throw new RequestError({
        code: "invalid",
        message: "This endpoint speaks WebSocket: connect with an Upgrade: websocket request.",
      });
    },
  );
  return router;
}
