/**
 * What the daemon answers while it starts (its port is open before the
 * database is): `GET /health` → 503 `{"status":"starting", …}`, anything else
 * (WebSocket upgrades included) → 503 `unavailable` with Retry-After. Clients
 * wait for `/health` to pass, as before; they now see a daemon starting
 * instead of a refused connection. No database, no auth: nothing is revealed.
 */
import { HTTP_STATUS } from "@roster/core";
import { errorBody, httpErrors } from "./api-error.ts";
import { DAEMON_VERSION } from "./routes/health.ts";

export type Fetch = (req: Request, env?: unknown) => Response | Promise<Response>;

/** The answer to `req` while the daemon is starting. */
export function startingResponse(req: Request, startedAt: number): Response {
  const headers = { "Content-Type": "application/json", "Retry-After": "1" };
  if (new URL(req.url).pathname === "/health") {
    const body = {
      name: "roster",
      message: "starting: opening the database",
      status: "starting",
      version: DAEMON_VERSION,
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      checks: [],
    };
    return new Response(JSON.stringify(body), { status: 503, headers });
  }
  const e = httpErrors.starting();
  return new Response(JSON.stringify(errorBody(e)), { status: HTTP_STATUS[e.code], headers });
}

/**
 * A fetch handler that answers startingResponse until ready() hands it the
 * app's own handler, then forwards every request to it.
 */
export function startingGate(): { fetch: Fetch; ready(app: Fetch): void } {
  const startedAt = Date.now();
  let app: Fetch | undefined;
  return {
    fetch: (req, env) => (app ? app(req, env) : startingResponse(req, startedAt)),
    ready(next) {
      app = next;
    },
  };
}
