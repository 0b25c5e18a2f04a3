/**
 * The options SyncEngine.open() takes, their defaults, and the listener type
 * of SyncEngine.subscribe() (see sync-engine.ts). The types are exported from
 * `@roster/core/client`; withEngineDefaults is internal to the client.
 */
import { DEFAULT_LIMITS, type Limits } from "../rules.ts";
import type { ActionStore } from "../sync/pending-action.ts";
import type { SnapshotStore } from "../sync/saved-snapshot.ts";
import type { SyncEvent, SyncState } from "../sync/reducer.ts";
import type { RosterClient } from "./http-client.ts";
import {
  DEFAULT_BACKOFF,
  type BackoffOptions,
  type LiveConnectionOptions,
  type LiveStatus,
} from "./live-connection.ts";

export interface SyncEngineOptions {
  /** A client with the user's token. */
  client: RosterClient;
  orgID: string;
  /** The user acting (GET /api/v2/me). */
  actorID: string;
  /** Where the queue survives restarts (default: memory only). */
  store?: ActionStore;
  /** Where the last known server state survives restarts (default: nowhere). */
  snapshotStore?: SnapshotStore;
  /** Least time between two snapshot saves (default 1000 ms); close() always saves. */
  snapshotSaveIntervalMs?: number;
  /** The daemon's limits, for local checks and views (default: core's). */
  limits?: Limits;
  /** Clock (default Date.now). */
  now?: () => number;
  /** Id generator for actions (default: the platform's crypto.randomUUID). */
  newID?: () => string;
  /** Options passed to the LiveConnection (backoff, timeouts). */
  live?: Pick<
    LiveConnectionOptions,
    "backoff" | "idleTimeoutMs" | "handshakeTimeoutMs" | "maxPayload"
  >;
  /** Backoff of HTTP replays while the daemon is unreachable. */
  sendBackoff?: Partial<BackoffOptions>;
  /** Every reducer event with the state before and after it (logging, debugging, tests). */
  onEvent?: (event: SyncEvent, before: SyncState, after: SyncState) => void;
  /** Called when a store fails to save (the queue then only lives in memory) or the snapshot store to load. */
  onStoreError?: (e: unknown) => void;
}

export type EngineListener = (state: SyncState, status: LiveStatus) => void;

/** SyncEngineOptions with every default filled in. */
export type ResolvedEngineOptions = Omit<SyncEngineOptions, "sendBackoff"> &
  Required<Pick<SyncEngineOptions, "limits" | "now" | "newID" | "snapshotSaveIntervalMs">> & {
    sendBackoff: BackoffOptions;
  };

/** Fill in the defaults the option comments name. */
export function withEngineDefaults(opts: SyncEngineOptions): ResolvedEngineOptions {
  return {
    ...opts,
    limits: opts.limits ?? DEFAULT_LIMITS,
    now: opts.now ?? Date.now,
    newID: opts.newID ?? (() => globalThis.crypto.randomUUID()),
    snapshotSaveIntervalMs: opts.snapshotSaveIntervalMs ?? 1000,
    sendBackoff: { ...DEFAULT_BACKOFF, ...opts.sendBackoff },
  };
}
