/** Request bodies over `maxSize` bytes are refused 413 (SPEC §7), without reading the rest. */
import { bodyLimit } from "hono/body-limit";
import type { Context, MiddlewareHandler } from "hono";
import { answerError, httpErrors } from "../api-error.ts";
import type { Env } from "../app-env.ts";
import { requestHeader } from "../request-header.ts";

/** Largest request body accepted by default. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export function limitBody(maxSize: number): MiddlewareHandler<Env> {
  const onError = (c: Context<Env>) => {
    // The rest of the body is never read: the connection cannot be reused.
    c.header("Connection", "close");
    return answerError(c, httpErrors.tooLarge(maxSize));
  };
  const counting = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    // hono's bodyLimit first looks at `c.req.raw.body`, which turns
    // @hono/node-server's request into a full web Request (an AbortController,
    // a Headers copy, a web stream its body is then read through). Answer
    // what needs no body here: GET and HEAD have none (hono's check passes
    // them too), and with a Content-Length and no Transfer-Encoding only the
    // length is compared.
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const length = requestHeader(c, "content-length");
    if (length !== undefined && requestHeader(c, "transfer-encoding") === undefined) {
      return parseInt(length || "0", 10) > maxSize ? onError(c) : next();
    }
    return counting(c, next);
  };
}
