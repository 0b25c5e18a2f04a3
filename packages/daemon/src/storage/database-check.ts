/**
 * Whether the database answers: `select 1` within a timeout (GET /health).
 * Never throws; the database's own error is returned for the log, not for
 * the unauthenticated page (it may name the server's address).
 */
import type { Sql } from "./storage.ts";

export type CheckResult = { status: "pass" } | { status: "fail"; message: string; err?: unknown };

/** `select 1` within `timeoutMs`; never throws. */
export async function checkDatabase(sql: Sql, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol("timeout");
  const timeout = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), timeoutMs);
  });
  // async: a synchronous throw becomes a rejection too.
  const query = (async () => sql.query("select 1 as ok"))();
  // Answered late (after the timeout) or not at all: never an unhandled rejection.
  query.catch(() => undefined);
  try {
    const r = await Promise.race([query, timeout]);
    if (r === timedOut) {
      return { status: "fail", message: `The database did not answer within ${timeoutMs} ms.` };
    }
    return { status: "pass" };
  } catch (err) {
    return {
      status: "fail",
      message: "The database cannot be reached; the daemon's log has the details.",
      err,
    };
  } finally {
    clearTimeout(timer);
  }
}
