/**
 * Baseline for the fan-out row: a raw `ws` server that, on POST /broadcast,
 * stamps the time (and a version: 1, 2, …) into one frame of the requested
 * size and sends it to every connected client (the `ws` README's broadcast
 * loop). Answers with the frame's version.
 *
 *   node ws-broadcast.mjs <port>
 */
import { createServer } from "node:http";
import { WebSocketServer, WebSocket } from "ws";

const [port] = process.argv.slice(2);
let version = 0;
const server = createServer((req, res) => {
  if (req.url === "/health") return res.writeHead(200).end('{"status":"pass"}');
  if (req.method !== "POST" || !req.url?.startsWith("/broadcast")) return res.writeHead(404).end();
  const query = new URL(req.url, "http://x").searchParams;
  const size = Number(query.get("size") ?? 200);
  // ?once=1: encode the frame to bytes once and send those (an experiment; the
  // baseline sends the string, which ws encodes for every client).
  const once = query.get("once") === "1";
  req.resume();
  req.on("end", () => {
    version++;
    const head = JSON.stringify({ type: "change", version, at: new Date().toISOString(), pad: "" });
    const frame = head.replace(
      '"pad":""',
      `"pad":"${"x".repeat(Math.max(0, size - head.length))}"`,
    );
    const data = once ? Buffer.from(frame) : frame;
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: false });
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(String(version));
  });
});
const wss = new WebSocketServer({ server });
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
});
