/**
 * The sync reducer: a pure fold of everything a live client learns about one
 * org — snapshots and ordered changes from the daemon, and the client's own
 * optimistic actions — into one SyncState. No I/O, no clock: times come in
 * on events. The SyncEngine (client/sync-engine.ts) is the I/O shell.
 *
 * Server state rules (SPEC §3):
 * - a snapshot replaces the server state;
 * - a change is applied only when its version is exactly `version + 1`;
 *   an older or equal version is a duplicate and ignored; a newer one is a
 *   gap: the state is kept as is and `needsResync` is set until the next
 *   connection (`hello`) starts a fresh stream from `version`.
 *
 * Pending actions are kept in submission order and never folded into the
 * server state: views rebase them on top of it (see view.ts). A confirmed
 * action is dropped once its change is visible in the server state.
 *
 * A client restarted while the daemon is away starts from its last known
 * server state (`restored-snapshot`): shown, validated against and rebased
 * on like any server state, but not `synced` until the daemon has caught
 * it up (hello{since: version} → the missed changes, or a snapshot).
 */
import type { DomainError } from "../errors.ts";
import { applyChange, type OrgState } from "../rules.ts";
import type { Change, ChangeMessage, Org, ServerMessage, SnapshotMessage } from "../schemas.ts";
import type { ActionResult, PendingAction } from "./pending-action.ts";
import type { SavedSnapshot } from "./saved-snapshot.ts";

export interface SyncState {
  orgID: string;
  /** The org record, from the latest snapshot. */
  org: Org | null;
  /** Last server version applied (0 = nothing yet). */
  version: number;
  /** Members and open invitations at `version`. */
  server: OrgState;
  /** Optimistic actions, oldest first. */
  pending: readonly PendingAction[];
  /** A gap was detected: changes are ignored until the next `hello`. */
  needsResync: boolean;
  /**
   * The resync must start from scratch (hello{since: 0}): a confirmed
   * action's change may have been folded into an earlier snapshot and undone
   * since, so only a fresh snapshot can settle it.
   */
  needsSnapshot: boolean;
  /** Has caught up with the server at least once (snapshot or ready). */
  synced: boolean;
  /**
   * The server state was restored from a saved snapshot that was current at
   * this time (ms), and the daemon has not caught it up yet; null otherwise.
   */
  cachedAt: number | null;
  /** The current connection finished its catch-up (`ready` received). */
  live: boolean;
  /** Number of `hello`s sent: a stream started in a later epoch includes every earlier confirmation. */
  epoch: number;
}

export type SyncEvent =
  /** A new connection said hello{since}; what follows starts after `since`. */
  | { type: "hello"; since: number }
  | { type: "snapshot"; snapshot: SnapshotMessage }
  | { type: "change"; change: ChangeMessage }
  /** Catch-up finished at `version`. */
  | { type: "ready"; version: number }
  /** The client submitted an action (optimistic from now on). */
  | { type: "submitted"; action: PendingAction }
  /** A request for the action started (first try or replay). */
  | { type: "sending"; id: string }
  /** The daemon could not be reached: back to the queue for a replay. */
  | { type: "deferred"; id: string }
  | { type: "confirmed"; id: string; result?: ActionResult }
  | { type: "rejected"; id: string; error: DomainError }
  /** The user acknowledged a failed action (or cancels a queued one). */
  | { type: "dismissed"; id: string }
  /** Actions loaded from a store at start-up; `sending` ones become `queued`. */
  | { type: "restored"; actions: readonly PendingAction[] }
  /** The last known server state, loaded at start-up (ignored once anything newer is known). */
  | { type: "restored-snapshot"; snapshot: SavedSnapshot };

export function initialSyncState(orgID: string, pending: readonly PendingAction[] = []): SyncState {
  return {
    orgID,
    org: null,
    version: 0,
    server: { orgID, members: [], invites: [] },
    pending: pending.map((a) =>
      a.state === "confirmed" ? { ...a, confirmedEpoch: -1 } : requeue(a),
    ),
    needsResync: false,
    needsSnapshot: false,
    synced: false,
    cachedAt: null,
    live: false,
    epoch: 0,
  };
}

/** The reducer event for a server message, or null for messages that carry no state (revoked, error). */
export function eventFromServer(msg: ServerMessage): SyncEvent | null {
  switch (msg.type) {
    case "snapshot":
      return { type: "snapshot", snapshot: msg };
    case "change":
      return { type: "change", change: msg };
    case "ready":
      return { type: "ready", version: msg.version };
    default:
      return null;
  }
}

export function reduce(state: SyncState, event: SyncEvent): SyncState {
  switch (event.type) {
    case "hello":
      return {
        ...state,
        needsResync: false,
        needsSnapshot: state.needsSnapshot && event.since !== 0,
        live: false,
        epoch: state.epoch + 1,
      };
    case "snapshot":
      return applySnapshot(state, event.snapshot);
    case "change":
      return applyServerChange(state, event.change);
    case "ready":
      if (state.needsResync) return state;
      // The stream said it is complete at `version`; if we are behind, something was lost.
      if (event.version > state.version) return { ...state, needsResync: true, live: false };
      return { ...state, live: true, synced: true, cachedAt: null };
    case "submitted":
      if (state.pending.some((a) => a.id === event.action.id)) return state;
      return { ...state, pending: [...state.pending, event.action] };
    case "sending":
      return updateAction(state, event.id, (a) =>
        a.state === "queued" ? { ...a, state: "sending", attempts: a.attempts + 1 } : a,
      );
    case "deferred":
      return updateAction(state, event.id, (a) =>
        a.state === "sending" ? { ...a, state: "queued" } : a,
      );
    case "confirmed": {
      const next = settle(
        updateAction(state, event.id, (a) =>
          a.state === "queued" || a.state === "sending"
            ? withoutError({
                ...a,
                state: "confirmed",
                result: event.result ?? {},
                confirmedEpoch: state.epoch,
              })
            : a,
        ),
        false,
      );
      const open = next.pending.find((a) => a.id === event.id && a.state === "confirmed");
      if (open?.uncertain && !state.needsSnapshot) {
        return { ...next, needsResync: true, needsSnapshot: true, live: false };
      }
      return next;
    }
    case "rejected":
      return updateAction(state, event.id, (a) =>
        a.state === "queued" || a.state === "sending"
          ? { ...a, state: "failed", error: event.error }
          : a,
      );
    case "dismissed":
      return {
        ...state,
        pending: state.pending.filter(
          (a) => !(a.id === event.id && (a.state === "failed" || a.state === "queued")),
        ),
      };
    case "restored": {
      const known = new Set(state.pending.map((a) => a.id));
      // Confirmations from an earlier run precede every hello of this one (confirmedEpoch -1).
      const added = event.actions
        .filter((a) => a.orgID === state.orgID && !known.has(a.id))
        .map((a) => (a.state === "confirmed" ? { ...a, confirmedEpoch: -1 } : requeue(a)));
      if (added.length === 0) return state;
      const next = { ...state, pending: [...added, ...state.pending] };
      // Against a restored server state, like the actions of a restored snapshot (see below).
      return next.version > 0 && !next.synced ? checkRestored(next) : next;
    }
    case "restored-snapshot":
      return applyRestoredSnapshot(state, event.snapshot);
  }
}

/** Fold many events (convenience for tests and replays). */
export function reduceAll(state: SyncState, events: Iterable<SyncEvent>): SyncState {
  let s = state;
  for (const e of events) s = reduce(s, e);
  return s;
}

/** Actions that still have to be sent (queued), oldest first. */
export function queuedActions(state: SyncState): PendingAction[] {
  return state.pending.filter((a) => a.state === "queued");
}

// ----------------------------------------------------------------- internals

/** Requests already started may have been committed by now: mark them `uncertain`. */
function markStarted(pending: readonly PendingAction[]): PendingAction[] {
  return pending.map((a) =>
    a.attempts > 0 && (a.state === "queued" || a.state === "sending") && !a.uncertain
      ? { ...a, uncertain: true }
      : a,
  );
}

function applySnapshot(state: SyncState, snap: SnapshotMessage): SyncState {
  if (snap.org.id !== state.orgID) return state;
  const next: SyncState = {
    ...state,
    pending: markStarted(state.pending),
    org: snap.org,
    version: snap.version,
    server: { orgID: state.orgID, members: snap.members, invites: snap.invites },
    needsResync: false,
    synced: true,
    cachedAt: null,
  };
  return settle(next, true);
}

function applyRestoredSnapshot(state: SyncState, snap: SavedSnapshot): SyncState {
  // Only as a starting point: anything this run learned from the daemon is newer.
  if (snap.orgID !== state.orgID || state.synced || snap.version <= state.version) return state;
  return checkRestored({
    ...state,
    org: snap.org,
    version: snap.version,
    server: { orgID: state.orgID, members: snap.members, invites: snap.invites },
    needsResync: false,
    synced: false,
    cachedAt: snap.at,
    live: false,
  });
}

/**
 * Pending actions from an earlier run against a restored server state, whose
 * version cannot be compared with theirs:
 * - a request already started may have been committed inside it (`uncertain`,
 *   as for a snapshot);
 * - a confirmed action it shows is settled; one it does not show may come in
 *   the changes after it — or was committed and undone before it, and then no
 *   change will ever settle it: only a fresh snapshot can (`needsSnapshot`).
 */
function checkRestored(state: SyncState): SyncState {
  const marked: SyncState = {
    ...state,
    pending: markStarted(state.pending),
  };
  const next = settle(marked, false);
  const open = next.pending.some((a) => a.state === "confirmed");
  return open && !next.needsSnapshot ? { ...next, needsSnapshot: true } : next;
}

function applyServerChange(state: SyncState, msg: ChangeMessage): SyncState {
  if (state.needsResync) return state;
  if (msg.version <= state.version) return state; // duplicate or old
  if (msg.version !== state.version + 1) return { ...state, needsResync: true, live: false };
  const next: SyncState = {
    ...state,
    version: msg.version,
    server: applyChange(state.server, msg.change),
    pending: state.pending.map((a) => markSeen(a, msg.change, msg.version)),
  };
  return settle(next, false);
}

const MAX_SEEN_IDS = 16;

/** Record on an action that a change with its effect was applied from the server. */
function markSeen(a: PendingAction, change: Change, version: number): PendingAction {
  if (version <= a.baseVersion || a.state === "failed") return a;
  const k = a.kind;
  switch (k.type) {
    case "invite": {
      const wanted = a.result?.inviteID;
      if (
        change.type === "invite.created" &&
        change.invite.email === k.email &&
        (wanted === undefined || wanted === change.invite.id)
      ) {
        const ids = [...(a.seen?.inviteIDs ?? []), change.invite.id].slice(-MAX_SEEN_IDS);
        return { ...a, seen: { inviteIDs: ids } };
      }
      return a;
    }
    case "resend":
      if (change.type === "invite.resent" && change.invite.id === k.inviteID) {
        return { ...a, seen: { sendCount: change.invite.sendCount } };
      }
      return a;
    case "withdraw":
      if (
        (change.type === "invite.withdrawn" || change.type === "invite.accepted") &&
        change.invite.id === k.inviteID
      ) {
        return { ...a, seen: {} };
      }
      return a;
    case "remove":
      if (change.type === "member.removed" && change.userID === k.userID) return { ...a, seen: {} };
      return a;
  }
}

/** Drop confirmed actions whose change is now part of the server state. */
function settle(state: SyncState, fromSnapshot: boolean): SyncState {
  const keep = state.pending.filter(
    (a) => !(a.state === "confirmed" && isSettled(a, state, fromSnapshot)),
  );
  return keep.length === state.pending.length ? state : { ...state, pending: keep };
}

function isSettled(a: PendingAction, state: SyncState, fromSnapshot: boolean): boolean {
  // A snapshot sent on a connection opened after the confirmation includes the change.
  if (fromSnapshot && (a.confirmedEpoch ?? 0) < state.epoch) return true;
  const k = a.kind;
  const server = state.server;
  const result = a.result ?? {};
  switch (k.type) {
    case "invite":
      if (result.inviteID === undefined) return a.seen !== undefined;
      return (
        (a.seen?.inviteIDs ?? []).includes(result.inviteID) ||
        server.invites.some((i) => i.id === result.inviteID)
      );
    case "resend": {
      const target = result.sendCount;
      if (target === undefined) return a.seen !== undefined;
      if ((a.seen?.sendCount ?? 0) >= target) return true;
      const inv = server.invites.find((i) => i.id === k.inviteID);
      return inv === undefined || inv.sendCount >= target;
    }
    case "withdraw":
      return a.seen !== undefined || !server.invites.some((i) => i.id === k.inviteID);
    case "remove":
      return a.seen !== undefined || !server.members.some((m) => m.userID === k.userID);
  }
}

function updateAction(
  state: SyncState,
  id: string,
  fn: (a: PendingAction) => PendingAction,
): SyncState {
  let changed = false;
  const pending = state.pending.map((a) => {
    if (a.id !== id) return a;
    const b = fn(a);
    if (b !== a) changed = true;
    return b;
  });
  return changed ? { ...state, pending } : state;
}

function withoutError(a: PendingAction): PendingAction {
  if (a.error === undefined) return a;
  const { error: _e, ...rest } = a;
  return rest;
}

/** After a restart nothing is in flight: `sending` goes back to `queued` (replayed with the same id). */
function requeue(a: PendingAction): PendingAction {
  return a.state === "sending" ? { ...a, state: "queued" } : a;
}

/**
 * The server state of `state` as a snapshot to save, or undefined when there
 * is nothing worth saving (no server state has been loaded yet).
 */
export function savedSnapshotOf(state: SyncState, at: number): SavedSnapshot | undefined {
  if (state.org === null || state.version <= 0) return undefined;
  return {
    orgID: state.orgID,
    version: state.version,
    org: state.org,
    members: [...state.server.members],
    invites: [...state.server.invites],
    at,
  };
}
