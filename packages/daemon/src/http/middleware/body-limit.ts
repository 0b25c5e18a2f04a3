/** Request bodies over `maxSize` bytes are refused 413 (SPEC §7), without reading the rest. */
import { bodyLimit } from "hono/body-limit";
import type { Context, MiddlewareHandler } from "hono";
import { answerError, httpErrors } from "../api-error.ts";
import type { Env } from "../app-env.ts";

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
    // @hono/node-server's request into one with a web stream (and its body
    // is then read through it, not straight from the socket). With a
    // Content-Length and no Transfer-Encoding it only compares the length,
    // which needs no body: do that here. (GET and HEAD have none.)
    const length = c.req.header("content-length");
    const method = c.req.method;
    if (
      length !== undefined &&
      c.req.header("transfer-encoding") === undefined &&
      method !== "GET" &&
      method !== "HEAD"
    ) {
      return parseInt(length || "0", 10) > maxSize ? onError(c) : next();
    }
    return counting(c, next);
  };
}
