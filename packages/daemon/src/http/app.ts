/**
 * The Hono app: global middleware (request id + log, Host allowlist, security
 * headers, body limit), one router per resource mounted with app.route(), one
 * error mapper.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTP_STATUS, type DomainError } from "@roster/core";
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorResponse, httpErrors, toDomainError } from "./api-error.ts";
import { ACTIVATION_HEADERS, refusalPage } from "./activation-page.ts";
import type { AppContext, Env } from "./app-env.ts";
import { hostAllowlist, hostPolicy, type HostPolicy } from "./host-allowlist.ts";
import { requestContext } from "./request-context.ts";
import { acceptRoutes } from "./routes/accept.ts";
import { activationRoutes } from "./routes/activation.ts";
import { changeRoutes } from "./routes/changes.ts";
import { healthRoutes } from "./routes/health.ts";
import { inviteRoutes } from "./routes/invites.ts";
import { memberRoutes } from "./routes/members.ts";
import { meRoutes } from "./routes/me.ts";
import { addOpenApi } from "./routes/openapi.ts";
import { orgRoutes } from "./routes/orgs.ts";
import { setupRoutes } from "./routes/setup.ts";
import { validationHook } from "./validation.ts";

/** Largest request body accepted (SPEC §7: huge bodies get 413). */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  bodyLimit?: number;
  /** Which Host headers are answered (default: loopback names and IP addresses only). */
  hosts?: HostPolicy;
}

export function createApp(ctx: AppContext, opts: AppOptions = {}): OpenAPIHono<Env> {
  const maxSize = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = new OpenAPIHono<Env>({ defaultHook: validationHook as never });

  app.use("*", requestContext(ctx.logger));
  app.use("*", async (c, next) => {
    await next();
    c.res.headers.set("X-Content-Type-Options", "nosniff");
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });
  // Before every route, the live WebSocket upgrade included (mounted later).
  app.use("*", hostAllowlist(opts.hosts ?? hostPolicy({ bindHost: "127.0.0.1" })));
  app.use(
    "*",
    bodyLimit({
      maxSize,
      onError: (c) => {
        // The rest of the body is never read: the connection cannot be reused.
        c.header("Connection", "close");
        return onError(c as Context<Env>, httpErrors.tooLarge(maxSize));
      },
    }),
  );

  app.route("/", healthRoutes(ctx));
  app.route("/api/v2", setupRoutes(ctx));
  app.route("/api/v2", meRoutes(ctx));
  app.route("/api/v2", orgRoutes(ctx));
  app.route("/api/v2", memberRoutes(ctx));
  app.route("/api/v2", inviteRoutes(ctx));
  app.route("/api/v2", acceptRoutes(ctx));
  app.route("/api/v2", changeRoutes(ctx));
  app.route("/", activationRoutes(ctx));
  addOpenApi(app, ctx);

  app.notFound((c) => onError(c, httpErrors.notFound()));
  app.onError((err, c) => onError(c, toDomainError(err, c, maxSize)));
  return app;
}

function isActivation(c: Context): boolean {
  return c.req.path.startsWith("/activate/");
}

/** Errors as JSON; the activation pages answer in HTML, errors included. */
function onError(c: Context<Env>, e: DomainError): Response {
  if (!isActivation(c)) return errorResponse(c, e);
  for (const [k, v] of Object.entries(ACTIVATION_HEADERS)) c.header(k, v);
  return c.html(refusalPage(e), HTTP_STATUS[e.code] as ContentfulStatusCode);
}
