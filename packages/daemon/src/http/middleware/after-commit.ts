/**
 * Work that must follow a command's commit and precede its 2xx: closing
 * the live sessions a removal or a token revocation ends (R10, R13), so
 * that when the caller hears "done", access is gone on this daemon. Put it
 * before idempotent() in a route's chain; the handler registers the work
 * with `c.var.afterCommit(fn)`. A failed or rolled-back command runs none.
 */
import type { MiddlewareHandler } from "hono";
import type { Env } from "../app-env.ts";

export interface AfterCommitEnv {
  Variables: { afterCommit: (fn: () => Promise<void>) => void };
}

export function afterCommit(): MiddlewareHandler<Env & AfterCommitEnv> {
  return async (c, next) => {
    const work: Array<() => Promise<void>> = [];
    c.set("afterCommit", (fn) => void work.push(fn));
    await next();
    if (c.error !== undefined || c.res.status >= 300) return;
    for (const fn of work) {
      try {
        await fn();
      } catch (err) {
        c.var.log.error({ err }, "after-commit work failed");
      }
    }
  };
}
