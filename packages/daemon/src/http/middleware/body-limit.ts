/** Request bodies over `maxSize` bytes are refused 413 (SPEC §7), without reading the rest. */
import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import { answerError, httpErrors } from "../api-error.ts";
import type { Env } from "../app-env.ts";

/** Largest request body accepted by default. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export function limitBody(maxSize: number): MiddlewareHandler<Env> {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      // The rest of the body is never read: the connection cannot be reused.
      c.header("Connection", "close");
      return answerError(c, httpErrors.tooLarge(maxSize));
    },
  });
}
