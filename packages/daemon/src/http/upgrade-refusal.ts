/**
 * Refused WebSocket upgrades answered in full. @hono/node-server answers a
 * refused upgrade (401, 404, 403, 400...) with the status line and headers
 * only (`Content-Length: 0`); for such a refusal the request's context
 * (middleware/request-context.ts, the outermost) hands the finished response
 * here, and it is written whole — the API's JSON error body `{code, message,
 * reason}` included — to the socket, which is then closed. node-server sees
 * the socket destroyed and leaves it alone.
 */
import { STATUS_CODES, type IncomingMessage } from "node:http";

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

/** Write `res` to the socket of `env` if it is node-server's env of an upgrade request. */
export async function answerRefusedUpgrade(env: unknown, res: Response): Promise<void> {
  const incoming = upgradeRequest(env);
  if (incoming) await writeResponse(incoming, res);
}

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
