/**
 * The daemon's admin channel: HTTP on its data-directory lock socket (see
 * storage/data-dir-lock.ts), never on the TCP port. The socket is mode 0600
 * in the 0700 data directory, so only the OS user who owns the data — who can
 * read the database files anyway — can ask; no API token opens it.
 *
 * `GET /backup`: a consistent logical dump of the whole database, streamed
 * as it is read (storage/logical-dump.ts); `roster backup` writes it to a file.
 * `GET /status`: what `roster daemon status` shows (DaemonAdminStatus).
 * `POST /stop`: a clean shutdown, as on SIGTERM (`roster daemon stop`): the
 * answer (202) goes out first, then the daemon closes and releases the lock.
 * Whoever asks reaches the very process holding the lock: no pid is involved,
 * so a reused pid can never be signalled.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "../logger.ts";
import { checkDatabase } from "../storage/database-check.ts";
import { BACKUP_ROUTE, STATUS_ROUTE, STOP_ROUTE } from "../storage/data-dir-lock.ts";
import { dumpDatabase } from "../storage/logical-dump.ts";
import type { Storage } from "../storage/storage.ts";

/** The daemon as `GET /status` describes it. */
export interface DaemonAdminStatus {
  pid: number;
  url: string;
  publicUrl: string;
  dataDir: string;
  startedAt: string;
  uptimeSeconds: number;
  storage: string;
  version: string;
  /** pass: its database answers `select 1` within a second; fail: it does not. */
  health: "pass" | "fail";
  /** Set once a stop was asked for. */
  stopping?: boolean;
}

export interface AdminChannelDeps {
  storage: Storage;
  logger: Logger;
  /** Who this daemon is (the parts that do not change). */
  identity: Omit<DaemonAdminStatus, "uptimeSeconds" | "health" | "stopping">;
  /** Begin a clean shutdown (idempotent). */
  requestStop: (reason: string) => void;
}

const DATABASE_CHECK_MS = 1000;

export function adminChannel(deps: AdminChannelDeps): RequestListener {
  let stopping = false;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === BACKUP_ROUTE) {
      void streamBackup(deps, res);
      return;
    }
    if (req.method === "GET" && req.url === STATUS_ROUTE) {
      void status(deps, stopping).then((body) => json(res, 200, body));
      return;
    }
    if (req.method === "POST" && req.url === STOP_ROUTE) {
      stopping = true;
      json(res, 202, { stopping: true, pid: deps.identity.pid, url: deps.identity.url });
      // Once the answer is out: the lock (and this socket) closes last.
      res.once("finish", () =>
        deps.requestStop("asked over the admin socket (roster daemon stop)"),
      );
      return;
    }
    json(res, 404, {
      code: "not found",
      message: `Only GET ${BACKUP_ROUTE}, GET ${STATUS_ROUTE} and POST ${STOP_ROUTE} are here.`,
    });
  };
}

async function status(deps: AdminChannelDeps, stopping: boolean): Promise<DaemonAdminStatus> {
  const db = await checkDatabase(deps.storage, DATABASE_CHECK_MS);
  const started = Date.parse(deps.identity.startedAt);
  return {
    ...deps.identity,
    uptimeSeconds: Math.max(0, Math.floor((Date.now() - started) / 1000)),
    health: db.status,
    ...(stopping ? { stopping } : {}),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
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
