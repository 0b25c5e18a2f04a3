/**
 * An OrgEngine over core's ModelServer (the pure in-memory model of the
 * daemon's write path) and core's sync reducer, with no network: for
 * rendering tests and the benchmark that need thousands of rows or a frozen
 * clock. Flows that involve the daemon are tested against a real one.
 */
import {
  initialSyncState,
  makePendingAction,
  reduce,
  selectView,
  validateLocally,
  type ActionInput,
  type Member,
  type PendingAction,
  type Result,
  type SyncEvent,
  type SyncState,
  type SyncView,
  type Validated,
} from "@roster/core";
// The model is core's test support, not part of its public API.
import { makeMember, ModelServer } from "@roster/core/testing";
import type { LinkInfo, OrgEngine } from "../ports.ts";

export class ModelEngine implements OrgEngine {
  readonly server: ModelServer;
  readonly orgID: string;
  readonly actorID: string;
  private state: SyncState;
  private link: LinkInfo = { state: "live" };
  private listeners = new Set<() => void>();
  private seq = 0;
  /** While false, actions stay queued (as when the daemon is unreachable). */
  private connected = true;

  constructor(
    owner: Member = makeMember("usr-owner", "owner@example.com"),
    private readonly clock: () => number = Date.now,
  ) {
    this.server = new ModelServer(owner, { at: clock() - 3 * 86_400_000 });
    this.orgID = this.server.org.id;
    this.actorID = owner.userID;
    this.state = initialSyncState(this.orgID);
    this.resync();
  }

  getState(): SyncState {
    return this.state;
  }
  getView(now: number): SyncView {
    return selectView(this.state, now);
  }
  validate(input: ActionInput): Result<Validated> {
    return validateLocally(this.state, input, this.actorID, this.clock());
  }
  getLink(): LinkInfo {
    return this.link;
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  submit(input: ActionInput): Result<PendingAction> {
    const now = this.clock();
    const v = validateLocally(this.state, input, this.actorID, now);
    if (!v.ok) return v;
    const action = makePendingAction(this.state, v.value.kind, {
      id: `act-${++this.seq}`,
      actorID: this.actorID,
      now,
    });
    this.apply({ type: "submitted", action });
    if (this.connected) this.send(action.id);
    return { ok: true, value: action };
  }

  dismiss(actionID: string): void {
    this.apply({ type: "dismissed", id: actionID });
  }

  /** Go offline (actions queue) or back online (queued actions are sent, in order). */
  setConnected(connected: boolean): void {
    this.connected = connected;
    this.link = connected ? { state: "live" } : { state: "offline" };
    this.emit();
    if (connected)
      for (const a of this.state.pending.filter((x) => x.state === "queued")) this.send(a.id);
  }

  /** Reconnect: a new hello and a snapshot of the model as it is now. */
  resync(): void {
    this.apply({ type: "hello", since: 0 });
    this.apply({ type: "snapshot", snapshot: this.server.snapshot() });
    this.apply({ type: "ready", version: this.server.version });
  }

  /** Something happened on the "daemon" (another session): push its change. */
  push(entry: ReturnType<ModelServer["accept"]>): void {
    if (entry) this.apply({ type: "change", change: entry });
  }

  private send(id: string): void {
    const a = this.state.pending.find((x) => x.id === id);
    if (!a) return;
    this.apply({ type: "sending", id });
    const r = this.server.run(a.actorID, a.kind, this.clock());
    if (!r.ok) {
      this.apply({ type: "rejected", id, error: r.error });
      return;
    }
    const c = r.entry.change;
    const result = "invite" in c ? { inviteID: c.invite.id, sendCount: c.invite.sendCount } : {};
    this.apply({ type: "confirmed", id, result });
    this.apply({ type: "change", change: r.entry });
  }

  private apply(e: SyncEvent): void {
    const next = reduce(this.state, e);
    if (next === this.state) return;
    this.state = next;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
