/**
 * GET /api/v2/orgs/:orgID/live — the WebSocket upgrade, on @hono/node-server's
 * own upgradeWebSocket. The token and the membership are checked by the
 * usual middleware before the upgrade, so a refusal is a plain HTTP 401/404
 * (with the API's JSON error body: see upgrade-refusal.ts) and never an
 * upgraded socket. A plain GET (no Upgrade header) is answered 400.
 */
import { upgradeWebSocket } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { errorResponse } from "../http/api-error.ts";
import type { AppContext, Env } from "../http/app-env.ts";
import { requireOrgMember } from "../http/auth.ts";
import type { LiveHub } from "./live-hub.ts";
import type { LiveSession } from "./live-session.ts";

export const LIVE_PATH = "/api/v2/orgs/:orgID/live";

export function mountLiveRoute(
  app: OpenAPIHono<Env>,
  ctx: Pick<AppContext, "service">,
  hub: LiveHub,
  logger: Logger,
): void {
  const auth = { service: ctx.service } as AppContext;
  app.get(
    LIVE_PATH,
    // Token and membership in one query, before the upgrade.
    requireOrgMember(auth),
    upgradeWebSocket(
      (c) => {
        const orgID = c.req.param("orgID") ?? "";
        const userID = c.get("caller").id;
        const checkedAt = c.get("orgVersion");
        let session: LiveSession | undefined;
        return {
          onOpen(_evt, ws) {
            session = hub.attach(ws.raw as WebSocket, orgID, userID, checkedAt);
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
    (c) =>
      errorResponse(c, {
        code: "invalid",
        message: "This endpoint speaks WebSocket: connect with an Upgrade: websocket request.",
      }),
  );
}
