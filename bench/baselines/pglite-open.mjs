/**
 * Baseline for the restart and memory rows: a process that opens PGlite on
 * a data directory alone (plain node, no tsx), answers GET /health with
 * `select 1` like the daemon's check, and holds the database until SIGTERM.
 *
 *   node pglite-open.mjs <data dir> <port>
 */
import { createServer } from "node:http";
import { findPgdata, openPglite } from "./pglite-dir.mjs";

const [dataDir, port] = process.argv.slice(2);
const db = await openPglite(findPgdata(dataDir));
await db.query("select 1 as ok");
const server = createServer((req, res) => {
  if (req.url !== "/health") return res.writeHead(404).end();
  db.query("select 1 as ok").then(
    () => res.writeHead(200, { "content-type": "application/json" }).end('{"status":"pass"}'),
    () => res.writeHead(503).end('{"status":"fail"}'),
  );
});
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void db.close().then(() => process.exit(0));
});
