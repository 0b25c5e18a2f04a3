/**
 * The Hono app: the middleware every request goes through (http/middleware/),
 * one router per resource mounted at its own path (http/routes/), and one
 * error mapper (api-error.ts).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { onError, onNotFound } from "./api-error.ts";
import type { AppContext, Env } from "./app-env.ts";
import { DEFAULT_BODY_LIMIT, limitBody } from "./middleware/body-limit.ts";
import { hostAllowlist, hostPolicy, type HostPolicy } from "./middleware/host-allowlist.ts";
import { requestContext } from "./middleware/request-context.ts";
import { acceptRoutes } from "./routes/accept.ts";
import { activationRoutes } from "./routes/activation.ts";
import { changeRoutes } from "./routes/changes.ts";
import { healthRoutes } from "./routes/health.ts";
import { inviteRoutes } from "./routes/invites.ts";
import { liveRoutes } from "./routes/live.ts";
import { memberRoutes } from "./routes/members.ts";
import { meRoutes } from "./routes/me.ts";
import { OPENAPI_PATH, openApiRoutes } from "./routes/openapi.ts";
import { orgRoutes } from "./routes/orgs.ts";
import { setupRoutes } from "./routes/setup.ts";
import { tokenRoutes } from "./routes/tokens.ts";

export interface AppOptions {
  /** Largest request body accepted, in bytes (SPEC §7: huge bodies get 413). */
  bodyLimit?: number;
  /** Which Host headers are answered (default: loopback names and IP addresses only). */
  hosts?: HostPolicy;
}

export function createApp(ctx: AppContext, opts: AppOptions = {}): OpenAPIHono<Env> {
  const maxSize = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = new OpenAPIHono<Env>();

  app.use("*", requestContext(ctx.logger));
  // Before every route, the live WebSocket upgrade included.
  app.use("*", hostAllowlist(opts.hosts ?? hostPolicy({ bindHost: "127.0.0.1" })));
  app.use("*", limitBody(maxSize));

  const orgs = "/api/v2/orgs";
  app.route("/health", healthRoutes(ctx));
  app.route("/api/v2/setup", setupRoutes(ctx));
  app.route("/api/v2/me", meRoutes(ctx));
  app.route("/api/v2/tokens", tokenRoutes(ctx));
  app.route(orgs, orgRoutes(ctx));
  app.route(`${orgs}/:orgID/members`, memberRoutes(ctx));
  app.route(`${orgs}/:orgID/invites`, inviteRoutes(ctx));
  app.route(`${orgs}/:orgID/changes`, changeRoutes(ctx));
  app.route(`${orgs}/:orgID/live`, liveRoutes(ctx, ctx.logger.child({ component: "live" })));
  app.route("/api/v2/invites/accept", acceptRoutes(ctx));
  app.route("/activate", activationRoutes(ctx));
  app.route(OPENAPI_PATH, openApiRoutes(app, ctx));

  app.notFound(onNotFound);
  app.onError(onError(maxSize));
  return app;
}
