/**
 * Live sync, daemon side (SPEC §3): the hub that feeds every session from
 * the change feed, per-org projections and change-log retention.
 * startDaemon starts it with startLiveSync(), passes `wss` to
 * @hono/node-server's serve() and the hub to the HTTP app, whose live route
 * (http/routes/live.ts) hands it the upgraded sockets. Nothing here knows
 * about HTTP.
 */
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import type { ChangeFeed } from "../change-feed.ts";
import type { Storage } from "../storage/storage.ts";
import { TOKEN_REVOKED_CHANNEL } from "../storage/token-store.ts";
import { ChangeRetention, DEFAULT_CHANGE_RETENTION } from "./change-retention.ts";
import { LiveHub, type LiveHubOptions } from "./live-hub.ts";

export {
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_USER,
  LiveHub,
  type LiveHubStats,
} from "./live-hub.ts";
export { ProjectionStore, type OrgProjection } from "./org-projection.ts";
export { ChangeRetention, DEFAULT_CHANGE_RETENTION } from "./change-retention.ts";

export interface LiveSyncOptions extends Omit<
  LiveHubOptions,
  "storage" | "feed" | "logger" | "retention"
> {
  /** Change-log entries kept per org (default 0: keeps everything, the audit trail). */
  changeRetention?: number | undefined;
  /** Largest frame accepted from a client, in bytes (default 4 KiB: clients only say hello). */
  maxPayload?: number;
  /** How often to prune every org's change log (default 1 h). */
  pruneIntervalMs?: number;
}

export interface LiveSync {
  /** Give to serve({ websocket: { server: wss } }). */
  readonly wss: WebSocketServer;
  readonly hub: LiveHub;
  readonly retention: ChangeRetention;
  close(): Promise<void>;
}

export interface LiveSyncDeps {
  storage: Storage;
  feed: ChangeFeed;
  logger: Logger;
  /** The server's WebSocketServer (createLiveWss), when made before the hub. */
  wss?: WebSocketServer;
}

/** The WebSocketServer for serve({ websocket: { server } }) (upgrades only, no deflate). */
export function createLiveWss(opts: Pick<LiveSyncOptions, "maxPayload"> = {}): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? 4096,
    perMessageDeflate: false,
  });
}

export function startLiveSync(ctx: LiveSyncDeps, opts: LiveSyncOptions = {}): LiveSync {
  const logger = ctx.logger.child({ component: "live" });
  const { changeRetention, maxPayload, pruneIntervalMs, ...hubOpts } = opts;
  const wss = ctx.wss ?? createLiveWss({ maxPayload });
  const retention = new ChangeRetention(
    ctx.storage,
    changeRetention ?? DEFAULT_CHANGE_RETENTION,
    logger,
  );
  const prune = () =>
    void retention
      .pruneAll()
      .catch((err: unknown) => logger.warn({ err }, "could not prune the change log"));
  prune();
  const pruneTimer = setInterval(prune, pruneIntervalMs ?? 60 * 60 * 1000);
  pruneTimer.unref();
  const hub = new LiveHub({
    ...hubOpts,
    storage: ctx.storage,
    feed: ctx.feed,
    logger,
    // Keeping every entry (the default), there is nothing to prune as they come.
    ...(retention.keep > 0 ? { retention } : {}),
  });
  // R13: a token revoked through any daemon on this database closes its sessions here.
  const unlisten = ctx.storage
    .listen(TOKEN_REVOKED_CHANNEL, (tokenID) => hub.revokeToken(tokenID))
    .catch((err: unknown) => {
      logger.error({ err }, "could not listen for revoked tokens");
      return async () => undefined;
    });
  let closing: Promise<void> | undefined;
  return {
    wss,
    hub,
    retention,
    close: () =>
      (closing ??= (async () => {
        clearInterval(pruneTimer);
        await (await unlisten)().catch(() => undefined);
        await hub.close();
        wss.close();
      })()),
  };
}
