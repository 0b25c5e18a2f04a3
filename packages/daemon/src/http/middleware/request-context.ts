/**
 * Every request (the outermost middleware): its id (X-Request-Id, echoed
 * back), a logger carrying it, the headers every answer has (nosniff;
 * no-store unless a route says otherwise), one log line, and — for a refused
 * WebSocket upgrade — the whole answer written to the socket
 * (upgrade-refusal.ts). Never logged: headers (Authorization), bodies, query
 * strings, and the token in an activation link's path.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { Env } from "../app-env.ts";
import { answerRefusedUpgrade } from "../upgrade-refusal.ts";
import { requestHeader } from "../request-header.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The path as it may be logged: secrets in the path are blanked. */
export function loggablePath(path: string): string {
  return path.replace(/^\/activate\/[^/]*/, "/activate/[token]");
}

export function requestContext(logger: Logger): MiddlewareHandler<Env> {
  return async (c, next) => {
    const incoming = requestHeader(c, "x-request-id");
    const reqId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ reqId });
    c.set("reqId", reqId);
    c.set("log", log);
    const start = performance.now();
    await next();
    const headers = c.res.headers;
    headers.set("X-Content-Type-Options", "nosniff");
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
    headers.set("X-Request-Id", reqId);
    const path = loggablePath(c.req.path);
    const fields = {
      method: c.req.method,
      path,
      status: c.res.status,
      ms: Math.round((performance.now() - start) * 10) / 10,
    };
    if (path === "/health") log.debug(fields, "request");
    else log.info(fields, "request");
    if (c.res.status >= 400 && requestHeader(c, "upgrade") !== undefined) {
      await answerRefusedUpgrade(c.env, c.res.clone());
    }
  };
}
