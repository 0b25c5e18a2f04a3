/**
 * Live sync, daemon side (SPEC §3): the WebSocket route, the hub that feeds
 * every session from the change feed, per-org projections and change-log
 * retention. startDaemon wires it with startLiveSync() and passes `wss` to
 * @hono/node-server's serve().
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { WebSocketServer } from "ws";
import type { AppContext, Env } from "../http/app-env.ts";
import { ChangeRetention, DEFAULT_CHANGE_RETENTION } from "./change-retention.ts";
import { LiveHub, type LiveHubOptions } from "./live-hub.ts";
import { mountLiveRoute } from "./live-route.ts";

export { LiveHub, type LiveHubStats } from "./live-hub.ts";
export { ProjectionStore, type OrgProjection } from "./org-projection.ts";
export { ChangeRetention, DEFAULT_CHANGE_RETENTION } from "./change-retention.ts";
export { answerRefusedUpgrades } from "./upgrade-refusal.ts";

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

export function startLiveSync(
  app: OpenAPIHono<Env>,
  ctx: Pick<AppContext, "service" | "storage" | "feed" | "logger">,
  opts: LiveSyncOptions = {},
): LiveSync {
  const logger = ctx.logger.child({ component: "live" });
  const { changeRetention, maxPayload, pruneIntervalMs, ...hubOpts } = opts;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxPayload ?? 4096,
    perMessageDeflate: false,
  });
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
  const hub = new LiveHub({ ...hubOpts, storage: ctx.storage, feed: ctx.feed, logger, retention });
  mountLiveRoute(app, ctx, hub, logger);
  let closing: Promise<void> | undefined;
  return {
    wss,
    hub,
    retention,
    close: () =>
      (closing ??= (async () => {
        clearInterval(pruneTimer);
        await hub.close();
        wss.close();
      })()),
  };
}
