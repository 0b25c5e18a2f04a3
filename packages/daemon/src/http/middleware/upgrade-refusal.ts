/**
 * Refused WebSocket upgrades answered in full. @hono/node-server answers a
 * refused upgrade (401, 404, 403, 400...) with the status line and headers
 * only (`Content-Length: 0`); this middleware, the outermost, writes the
 * whole response — the API's JSON error body `{code, message, reason}`
 * included — to the socket itself, then closes it. node-server sees the
 * socket destroyed and leaves it alone. Accepted upgrades (node-server's
 * empty 200) and plain HTTP requests pass through untouched.
 */
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { MiddlewareHandler } from "hono";

/** Headers node-server never copies onto an upgrade answer; we set our own framing. */
const SKIP = new Set([
  "connection",
  "content-length",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
]);

/** Whether `env` is node-server's env of an upgrade request (it has no `outgoing`). */
function upgradeRequest(env: unknown): IncomingMessage | undefined {
  if (typeof env !== "object" || env === null) return undefined;
  const { incoming, outgoing } = env as { incoming?: IncomingMessage; outgoing?: unknown };
  return incoming && outgoing === undefined ? incoming : undefined;
}

export const answerRefusedUpgrades: MiddlewareHandler = async (c, next) => {
  await next();
  const incoming = upgradeRequest(c.env);
  if (incoming && c.res.status >= 400) await writeResponse(incoming, c.res.clone());
};

async function writeResponse(incoming: IncomingMessage, res: Response): Promise<void> {
  const socket = incoming.socket;
  const body = Buffer.from(await res.arrayBuffer());
  if (socket.destroyed) return;
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ""}`];
  res.headers.forEach((value, key) => {
    if (!SKIP.has(key.toLowerCase())) lines.push(`${key}: ${value}`);
  });
  lines.push(`Content-Length: ${body.length}`, "Connection: close");
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  await new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.end(Buffer.concat([head, body]), () => resolve());
  });
  // Flushed (or the peer is gone): node-server must not answer a second time.
  socket.destroy();
}
