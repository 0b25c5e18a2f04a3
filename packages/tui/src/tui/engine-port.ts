/**
 * What the org screen needs from a sync engine. The real one is core's
 * SyncEngine (HTTP + WebSocket + reducer) wrapped by engine-adapter.ts; the
 * screen only reads state and submits actions through this port.
 */
import type {
  ActionInput,
  PendingAction,
  Result,
  SyncState,
  SyncView,
  Validated,
} from "@roster/core";

export type LinkState = "connecting" | "live" | "reconnecting" | "offline" | "revoked";

export interface LinkInfo {
  state: LinkState;
  /** Why, for `revoked` (the daemon's words) or the last connection error. */
  message?: string;
  /** When not live: the last time (ms) the lists shown were known to be the daemon's, if ever. */
  dataAsOf?: number;
}

export interface OrgEngine {
  readonly orgID: string;
  /** The signed-in user (the actor of every action). */
  readonly actorID: string;
  getState(): SyncState;
  /** The rows to draw at `now` (server state with pending actions rebased on it). */
  getView(now: number): SyncView;
  getLink(): LinkInfo;
  /** Called after any change of state or link. */
  subscribe(listener: () => void): () => void;
  /**
   * Check the action with core's local rules, then queue it (optimistic) and
   * send it when the daemon is reachable. A local refusal submits nothing.
   */
  submit(input: ActionInput): Result<PendingAction>;
  /** The same local check, without submitting (to refuse before opening a dialog). */
  validate(input: ActionInput): Result<Validated>;
  /** Forget a refused (or still queued) action. */
  dismiss(actionID: string): void;
}
