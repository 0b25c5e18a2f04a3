/**
 * startDaemon: check the port is free, lock the data directory, listen (and
 * answer `starting`), open and migrate the database, start the change feed,
 * then serve the HTTP API. close() undoes it all, in reverse.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { DEFAULT_RESEND_INTERVAL_S, type AbuseLimits, type Limits } from "@roster/core";
import type { LevelWithSilent } from "pino";
import { adminChannel } from "./admin/admin-channel.ts";
import { ChangeFeed } from "./change-feed.ts";
import { createApp } from "./http/app.ts";
import { DAEMON_VERSION } from "./http/routes/health.ts";
import type { Env } from "./http/app-env.ts";
import { hostPolicy } from "./http/middleware/host-allowlist.ts";
import { startingGate, type Fetch } from "./http/starting.ts";
import { createLogger, redactDatabaseUrl, type Logger } from "./logger.ts";
import {
  createLiveWss,
  ProjectionStore,
  startLiveSync,
  type LiveSync,
  type LiveSyncOptions,
} from "./live/index.ts";
import { startMail, type MailOptionsInput } from "./mail/index.ts";
import { OutboxQueue } from "./service/outbox-queue.ts";
import { RosterService } from "./service/service.ts";
import { DEFAULT_RETENTION_DAYS, pruneOnce, type PruneReport } from "./pruning.ts";
import { reportingCommits } from "./storage/committed-changes.ts";
import { probePort } from "./port-probe.ts";
import { acquireDataDirLock, lockHolderError, type DataDirLock } from "./storage/data-dir-lock.ts";
import { migrate } from "./storage/migrations.ts";
import { openPgliteStorage } from "./storage/pglite-storage.ts";
import { openPgStorage, serverDurabilityWarning } from "./storage/pg-storage.ts";
import type { Storage } from "./storage/storage.ts";

export const DEFAULT_PORT = 8086;

export interface DaemonOptions {
  /** TCP port; 0 picks a free one (see RunningDaemon.port). */
  port: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Data directory: the embedded database (`pgdata`), the lock, the mail files. */
  dataDir: string;
  /** PostgreSQL server URL; when set the embedded database is not used. */
  databaseUrl?: string | undefined;
  /** Base URL of activation links (default: the daemon's own URL). */
  publicUrl?: string | undefined;
  /**
   * Extra Host names the daemon answers to (DNS-rebinding protection, see
   * http/host-allowlist.ts): `name`, `.domain` (and its subdomains), or `*`.
   */
  allowedHosts?: readonly string[] | undefined;
  smtpUrl?: string | undefined;
  /**
   * Answer invite creates and resends with the new link (`activationURL`).
   * Default: on with the file transport (the operator is the mail system), off with SMTP.
   */
  showInviteLinks?: boolean | undefined;
  /** Seconds between two sends of one invitation (R7; default 60, 0 disables). */
  resendIntervalS?: number | undefined;
  /**
   * How many change-log entries to keep per org; 0 (the default) keeps them
   * all: the change log is the audit trail (R12).
   */
  changeRetention?: number | undefined;
  /**
   * Days that sent mail (outbox rows, `.eml` files) and unusable link hashes
   * are kept (default 30).
   */
  retentionDays?: number | undefined;
  /** R14's abuse limits (defaults DEFAULT_ABUSE_LIMITS; 0 turns one off). */
  abuse?: Partial<AbuseLimits> | undefined;
  logLevel?: LevelWithSilent | undefined;
  logger?: Logger | undefined;
  /** Overrides of the other limits (pending limit, link lifetime). For tests. */
  limits?: Partial<Limits> | undefined;
  /** The clock. For tests. */
  now?: (() => number) | undefined;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit?: number | undefined;
  /**
   * Mail worker settings beyond smtpUrl/publicUrl (see mail/mail-options.ts),
   * or false to run without the worker (tests that read the outbox).
   */
  mail?: Omit<MailOptionsInput, "smtpUrl" | "publicUrl"> | false | undefined;
  /** Live-sync tuning (ping interval, slow-consumer limit...). For tests. */
  live?: Omit<LiveSyncOptions, "changeRetention"> | undefined;
  /**
   * A clean stop was asked for over the admin socket (`roster daemon stop`):
   * the process's own shutdown (main.ts: as on SIGTERM). Default: close().
   */
  onStopRequest?: ((reason: string) => void) | undefined;
}

export interface RunningDaemon {
  url: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  storage: Storage;
  feed: ChangeFeed;
  service: RosterService;
  app: OpenAPIHono<Env>;
  server: Server;
  logger: Logger;
  live: LiveSync;
  /** One round of the hourly housekeeping (pruning.ts), now. */
  prune(): Promise<PruneReport>;
  close(): Promise<void>;
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const PRUNE_FIRST_MS = 60 * 1000;

export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const startedAt = performance.now();
  const dataDir = resolve(opts.dataDir);
  const host = opts.host ?? "127.0.0.1";
  const logger = opts.logger ?? createLogger(opts.logLevel ?? "info");
  const cleanup: Array<() => Promise<void> | void> = [];
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= undo().then(() => logger.info("stopped")));
  const undo = async () => {
    for (const fn of cleanup.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.error({ err }, "error while shutting down");
      }
    }
  };

  if (opts.port !== 0) {
    // Before anything is created: a busy port fails fast and leaves no data directory behind.
    try {
      await probePort(opts.port, host);
    } catch (err) {
      // Most likely a daemon on this very data directory: then say which one.
      const inUse = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
      throw (inUse && !opts.databaseUrl ? await lockHolderError(dataDir) : undefined) ?? err;
    }
  }

  try {
    let lock: DataDirLock | undefined;
    if (!opts.databaseUrl) {
      // PGlite has no lock of its own: ours must be held before it opens.
      const held = await acquireDataDirLock(dataDir);
      lock = held;
      cleanup.push(() => held.release());
    }
    // Listen at once: until the database is open and the daemon warm, /health
    // answers `starting` (503) and every other request 503 (http/starting.ts).
    const gate = startingGate();
    const wss = createLiveWss(opts.live);
    const server = await listen(gate.fetch, opts.port, host, wss);
    let serverClosed: Promise<void> | undefined;
    const stopServer = () => (serverClosed ??= closeServer(server));
    cleanup.push(stopServer);
    const port = (server.address() as AddressInfo).port;
    const url = `http://${urlHost(host)}:${port}`;
    lock?.update({ port, url });

    let storage: Storage;
    if (opts.databaseUrl) {
      storage = await openPgStorage({
        connectionString: opts.databaseUrl,
        onError: (err) => logger.warn({ err }, "database connection error"),
      });
      logger.info({ database: redactDatabaseUrl(opts.databaseUrl) }, "using PostgreSQL server");
      const risk = await serverDurabilityWarning(storage).catch(() => undefined);
      if (risk) logger.warn(risk);
    } else {
      storage = await openPgliteStorage({ dataDir, log: logger.child({ component: "storage" }) });
    }
    const storageMs = Math.round(performance.now() - startedAt);
    const db = storage;
    cleanup.push(() => db.close());
    const applied = await migrate(storage);
    if (applied.length > 0) logger.info({ applied }, "database migrated");

    const feed = await ChangeFeed.start(storage, {
      onError: (err) => logger.error({ err }, "change feed error"),
    });
    cleanup.push(() => feed.close());
    // Commands' transactions hand their committed changes to the feed (no
    // read-back of this process's own writes); other daemons' come by NOTIFY.
    const writer = reportingCommits(storage, (orgID, entry) => feed.publish(orgID, entry));

    // PGlite's data directory is this process's alone (the lock); a PostgreSQL
    // server may have other daemons committing: access is then read every time.
    const soleUser = storage.kind === "pglite";
    const service = new RosterService(writer, {
      limits: {
        resendIntervalS: opts.resendIntervalS ?? DEFAULT_RESEND_INTERVAL_S,
        ...opts.limits,
      },
      abuse: opts.abuse,
      ...(opts.now ? { now: opts.now } : {}),
      onError: (err) => logger.warn({ err }, "could not record when an API token was last used"),
      soleUser,
    });

    const unfollow = await service.followRevocations();
    cleanup.push(() => unfollow());

    let publicUrl = opts.publicUrl?.replace(/\/+$/, "") ?? "";
    const hosts = hostPolicy({
      bindHost: host,
      publicUrl: opts.publicUrl,
      allowedHosts: opts.allowedHosts,
    });
    // In-memory org projections, folded from the feed by the live hub: live
    // snapshots and the HTTP list reads are served from them.
    const projections = new ProjectionStore(storage, {
      idleMs: opts.live?.projectionIdleMs ?? 30_000,
      onError: (err, orgID) =>
        logger.child({ component: "live" }).error({ err, orgID }, "org projection error"),
    });
    // Live sync (WebSocket): its hub serves the sessions the app's live route upgrades.
    const live = startLiveSync(
      { storage, feed, logger, wss },
      { ...opts.live, projections, changeRetention: opts.changeRetention, now: service.ctx.now },
    );
    const app = createApp(
      {
        service,
        storage: writer,
        logger,
        publicUrl: () => publicUrl,
        showInviteLinks: opts.showInviteLinks ?? !opts.smtpUrl,
        projections: {
          at: (orgID, version) => projections.at(orgID, version),
          // Memberships from memory only where no other daemon commits unseen.
          current: (orgID) =>
            soleUser && feed.caughtUp(orgID)
              ? projections.at(orgID, feed.deliveredVersion(orgID))
              : undefined,
          warm: (orgID) => projections.warm(orgID),
        },
        live: live.hub,
      },
      { hosts, ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}) },
    );

    // Stopping: the server closes before the feed and the database (cleanup runs in reverse)…
    cleanup.push(stopServer);
    // …and the live sockets before the server: they would keep it open.
    cleanup.push(() => live.close());
    publicUrl ||= url;
    // `roster backup` and `roster daemon status|stop` ask over the lock socket
    // (see admin/admin-channel.ts).
    if (lock) {
      const adminLog = logger.child({ component: "admin" });
      lock.serve(
        adminChannel({
          storage,
          logger: adminLog,
          identity: {
            pid: process.pid,
            url,
            publicUrl,
            dataDir,
            startedAt: lock.info.startedAt,
            storage: storage.kind,
            version: DAEMON_VERSION,
          },
          requestStop: (reason) => {
            if (opts.onStopRequest) return opts.onStopRequest(reason);
            adminLog.info({ reason }, "stopping");
            void close();
          },
        }),
      );
    }

    if (opts.mail !== false) {
      const mail = startMail({
        ...opts.mail,
        smtpUrl: opts.smtpUrl,
        publicUrl,
        queue: new OutboxQueue(writer, service.ctx),
        feed,
        dataDir,
        daemonUrl: url,
        logger: logger.child({ component: "mail" }),
      });
      // Before the feed and the storage close (cleanup runs in reverse).
      cleanup.push(() => mail.close());
    }

    const retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
    const prune = () =>
      pruneOnce({
        storage,
        dataDir,
        now: service.ctx.now,
        retentionMs: retentionDays * 24 * 3600 * 1000,
        logger,
      });
    // Not during start-up (its statements would queue before the first /health): a minute in.
    const firstPrune = setTimeout(() => void prune(), PRUNE_FIRST_MS);
    firstPrune.unref();
    const pruneTimer = setInterval(() => void prune(), PRUNE_EVERY_MS);
    pruneTimer.unref();
    cleanup.push(() => {
      clearTimeout(firstPrune);
      clearInterval(pruneTimer);
    });
    gate.ready(app.fetch);

    const startupMs = Math.round(performance.now() - startedAt);
    logger.info(
      { url, publicUrl, dataDir, storage: storage.kind, startupMs, storageMs },
      "listening",
    );
    return {
      url,
      port,
      publicUrl,
      dataDir,
      storage,
      feed,
      service,
      app,
      server,
      logger,
      live,
      prune,
      close,
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

function listen(
  fetch: Fetch,
  port: number,
  hostname: string,
  wss: LiveSync["wss"],
): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({
      fetch,
      port,
      hostname,
      websocket: { server: wss },
    }) as Server;
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolvePromise(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => {
    const force = setTimeout(() => server.closeAllConnections(), 3000);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolvePromise();
    });
    server.closeIdleConnections();
  });
}
