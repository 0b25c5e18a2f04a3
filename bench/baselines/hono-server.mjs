/**
 * Baseline for the list rows: bare Hono on @hono/node-server answering the
 * same bytes Roster answered, from memory.
 *
 *   node hono-server.mjs <port> <routes.json>
 *   routes.json: [{ "path": "/api/v2/orgs/x/members", "file": "...", "contentType": "..." }]
 */
import { readFileSync } from "node:fs";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const [port, routesFile] = process.argv.slice(2);
const app = new Hono();
for (const r of JSON.parse(readFileSync(routesFile, "utf8"))) {
  const body = readFileSync(r.file);
  app.get(r.path, (c) => c.body(body, 200, { "content-type": r.contentType }));
}
app.get("/health", (c) => c.json({ status: "pass" }));
const server = serve({ fetch: app.fetch, port: Number(port), hostname: "127.0.0.1" });
process.on("SIGTERM", () => server.close(() => process.exit(0)));
