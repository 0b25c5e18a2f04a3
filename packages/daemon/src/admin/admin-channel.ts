/**
 * The daemon's admin channel: HTTP on its data-directory lock socket (see
 * storage/data-dir-lock.ts), never on the TCP port. The socket is mode 0600
 * in the 0700 data directory, so only the OS user who owns the data — who can
 * read the database files anyway — can ask; no API token opens it.
 *
 * `GET /backup`: a consistent logical dump of the whole database, streamed
 * as it is read (storage/logical-dump.ts); `roster backup` writes it to a file.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "../logger.ts";
import { BACKUP_ROUTE } from "../storage/data-dir-lock.ts";
import { dumpDatabase } from "../storage/logical-dump.ts";
import type { Storage } from "../storage/storage.ts";

export function adminChannel(deps: { storage: Storage; logger: Logger }): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === BACKUP_ROUTE) {
      void streamBackup(deps, res);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "not found", message: `Only GET ${BACKUP_ROUTE} is here.` }));
  };
}

async function streamBackup(deps: { storage: Storage; logger: Logger }, res: ServerResponse) {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  try {
    const summary = await dumpDatabase(deps.storage, (chunk) => send(res, chunk));
    res.end();
    deps.logger.info({ rows: summary.tables }, "backup taken");
  } catch (err) {
    deps.logger.error({ err }, "backup failed");
    // Cut short: the client sees no trailer and writes no file.
    res.destroy();
  }
}

/** Write a chunk, waiting while the client is behind; fails if it went away. */
function send(res: ServerResponse, chunk: string): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error("the backup client went away"));
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error("the backup client went away"));
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}
