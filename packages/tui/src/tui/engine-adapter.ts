/**
 * core's SyncEngine (HTTP + WebSocket + reducer + queue) seen through the
 * TUI's OrgEngine port: the connection status becomes the header's words
 * (live / reconnecting / offline / revoked) and the engine is started here.
 */
import {
  DEFAULT_LIMITS,
  type ActionInput,
  type ActionStore,
  type Limits,
  type PendingAction,
  type Result,
  type SnapshotStore,
  type SyncState,
  type SyncView,
  type Validated,
} from "@roster/core";
import { RosterClient, SyncEngine, type LiveStatus } from "@roster/core/client";
import type { LinkInfo, LinkState, OwnedEngine } from "./ports.ts";

function linkState(status: LiveStatus): LinkState {
  switch (status) {
    case "live":
    case "connecting":
    case "reconnecting":
    case "offline":
    case "revoked":
      return status;
    case "closed":
      return "offline";
  }
}

export class EngineAdapter implements OwnedEngine {
  private link: LinkInfo;

  constructor(
    readonly engine: SyncEngine,
    readonly orgID: string,
    readonly actorID: string,
  ) {
    this.link = this.readLink();
  }

  private readLink(): LinkInfo {
    const state = linkState(this.engine.status);
    const link: LinkInfo = { state };
    const message = state === "revoked" ? this.engine.revokedReason : undefined;
    if (message !== undefined) link.message = message;
    const asOf = state === "live" ? null : this.engine.dataAsOf;
    if (asOf !== null) link.dataAsOf = asOf;
    return link;
  }

  getState(): SyncState {
    return this.engine.getState();
  }
  getView(now: number): SyncView {
    return this.engine.getView(now);
  }
  getLink(): LinkInfo {
    const next = this.readLink();
    // A new object only when something changed (useSyncExternalStore compares by identity).
    if (
      next.state !== this.link.state ||
      next.message !== this.link.message ||
      next.dataAsOf !== this.link.dataAsOf
    )
      this.link = next;
    return this.link;
  }
  subscribe(listener: () => void): () => void {
    return this.engine.subscribe(() => listener());
  }
  submit(input: ActionInput): Result<PendingAction> {
    return this.engine.submit(input);
  }
  validate(input: ActionInput): Result<Validated> {
    return this.engine.validate(input);
  }
  dismiss(actionID: string): void {
    this.engine.dismiss(actionID);
  }
  activationURL(inviteID: string): string | undefined {
    return this.engine.activationURL(inviteID);
  }
  close(): Promise<void> {
    return this.engine.close();
  }
}

export interface OpenEngineOptions {
  url: string;
  token: string;
  orgID: string;
  actorID: string;
  store: ActionStore;
  /** The last known lists, shown (and checked against) while the daemon is away. */
  snapshotStore?: SnapshotStore;
  limits?: Limits;
}

/**
 * The limits the TUI checks locally. The resend interval is the daemon's
 * setting (ROSTER_RESEND_INTERVAL) and SPEC §5 leaves R7 to the daemon, so
 * it is not checked here unless the daemon publishes its limits in /health.
 */
export async function daemonLimits(url: string): Promise<Limits> {
  try {
    const health = await new RosterClient({ url, timeoutMs: 2000 }).health();
    if (health.limits) return health.limits;
  } catch {
    // No answer, or not healthy: the daemon will decide.
  }
  return { ...DEFAULT_LIMITS, resendIntervalS: 0 };
}

/** Load the org's queue and last known lists, connect, and start replaying. */
export async function openOrgEngine(opts: OpenEngineOptions): Promise<EngineAdapter> {
  const client = new RosterClient({ url: opts.url, token: opts.token });
  const limits = opts.limits ?? (await daemonLimits(opts.url));
  const engine = await SyncEngine.open({
    client,
    orgID: opts.orgID,
    actorID: opts.actorID,
    store: opts.store,
    ...(opts.snapshotStore ? { snapshotStore: opts.snapshotStore } : {}),
    limits,
  });
  const adapter = new EngineAdapter(engine, opts.orgID, opts.actorID);
  engine.start();
  return adapter;
}
