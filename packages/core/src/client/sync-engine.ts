/**
 * SyncEngine: the I/O shell around the sync reducer for one org. It owns a
 * LiveConnection (server state), sends the user's actions with RosterClient
 * (one at a time, in order, each with its action id as Idempotency-Key) and
 * persists the queue through a pluggable ActionStore.
 *
 *   const engine = await SyncEngine.open({ client, orgID, actorID, store });
 *   const stop = engine.subscribe(() => render(engine.getView()));
 *   engine.start();
 *   const r = engine.submit({ type: "invite", email: "ada@example.com" });
 *   if (!r.ok) showError(r.error.message);   // refused locally, nothing sent
 *
 * Offline, actions stay queued (and in the store); when the daemon is back
 * they are replayed in submission order, each exactly once: a replay reuses
 * the same Idempotency-Key, so the daemon answers it with the first response.
 *
 * With a SnapshotStore, the last known server state is saved too (at most
 * once per `snapshotSaveIntervalMs`, and on close) and restored by open():
 * a client started while the daemon is down shows the lists, checks and
 * queues actions against them, and resumes with hello{since: version}.
 *
 * Not exported from the pure core index (it does I/O): import it from
 * `@roster/core/client`.
 */
import { errors } from "../errors.ts";
import { err, ok, type Result } from "../result.ts";
import type { Limits } from "../rules.ts";
import type { ServerMessage } from "../schemas.ts";
import { MemoryActionStore, type ActionStore, type PendingAction } from "../sync/pending-action.ts";
import type { SavedSnapshot } from "../sync/saved-snapshot.ts";
import {
  eventFromServer,
  initialSyncState,
  reduce,
  savedSnapshotOf,
  type SyncEvent,
  type SyncState,
} from "../sync/reducer.ts";
import {
  makePendingAction,
  selectView,
  validateLocally,
  type ActionInput,
  type SyncView,
} from "../sync/view.ts";
import { LiveConnection, type LiveStatus, type LiveStatusInfo } from "./live-connection.ts";
import { ActionSender } from "./action-sender.ts";
import { SnapshotSaver } from "./snapshot-saver.ts";
import {
  withEngineDefaults,
  type EngineListener,
  type ResolvedEngineOptions,
  type SyncEngineOptions,
} from "./sync-engine-options.ts";

export class SyncEngine {
  private state: SyncState;
  private liveStatus: LiveStatus = "connecting";
  private liveInfo: LiveStatusInfo = { attempt: 0 };
  private revokedMessage: string | undefined;
  private readonly listeners = new Set<EngineListener>();
  private readonly live: LiveConnection;
  private readonly limits: Limits;
  private readonly now: () => number;
  private readonly newID: () => string;
  private readonly sender: ActionSender;
  private saveChain: Promise<void> = Promise.resolve();
  private savedPending: SyncState["pending"];
  private closed = false;
  private started = false;
  private idleWaiters: (() => void)[] = [];
  /** Last time (engine clock) the server state was known to match the daemon's. */
  private currentAt: number | null = null;
  private readonly snapshots: SnapshotSaver;
  /** Activation links the daemon answered with, by invitation (this run only: never saved). */
  private readonly links = new Map<string, string>();

  /**
   * Create an engine with the queue loaded from `opts.store` and the last
   * known server state from `opts.snapshotStore`. Call start() to connect.
   */
  static async open(opts: SyncEngineOptions): Promise<SyncEngine> {
    const store = opts.store ?? new MemoryActionStore();
    const loaded = await store.load();
    let snapshot: SavedSnapshot | undefined;
    try {
      snapshot = await opts.snapshotStore?.load();
    } catch (e) {
      // Only a cache: without it the lists show once the daemon answers.
      opts.onStoreError?.(e);
    }
    return new SyncEngine(withEngineDefaults(opts), store, loaded, snapshot);
  }

  private constructor(
    private readonly opts: ResolvedEngineOptions,
    private readonly store: ActionStore,
    loaded: readonly PendingAction[],
    snapshot: SavedSnapshot | undefined,
  ) {
    this.limits = opts.limits;
    this.now = opts.now;
    this.newID = opts.newID;
    this.sender = new ActionSender(opts.client, opts.sendBackoff, {
      nextQueued: () => this.state.pending.find((a) => a.state === "queued"),
      dispatch: (event) => this.dispatch(event),
      isLive: () => this.liveStatus === "live",
      isClosed: () => this.closed,
      onLink: (inviteID, url) => this.links.set(inviteID, url),
    });
    let initial = initialSyncState(opts.orgID);
    if (snapshot) {
      initial = reduce(initial, { type: "restored-snapshot", snapshot });
      if (initial.cachedAt !== null) this.currentAt = initial.cachedAt;
    }
    this.state = reduce(initial, { type: "restored", actions: loaded });
    this.savedPending = this.state.pending;
    this.snapshots = new SnapshotSaver(
      opts.snapshotStore,
      // Saved as of now while current, else as of when it last was.
      () =>
        savedSnapshotOf(this.state, this.isCurrent() ? this.now() : (this.currentAt ?? this.now())),
      opts.snapshotSaveIntervalMs,
      (e) => this.opts.onStoreError?.(e),
    );
    if (!opts.client.token) throw new Error("SyncEngine needs a client with a token.");
    this.live = new LiveConnection({
      url: opts.client.url,
      token: opts.client.token,
      orgID: opts.orgID,
      ...opts.live,
      since: () => (this.state.needsSnapshot ? 0 : this.state.version),
      handlers: {
        hello: (since) => this.dispatch({ type: "hello", since }),
        message: (msg) => this.onServerMessage(msg),
        status: (status, info) => this.onLiveStatus(status, info),
      },
    });
  }

  /** Connect and start replaying the queue. */
  start(): void {
    if (this.closed || this.started) return;
    this.started = true;
    this.live.start();
    this.sender.kick();
  }

  /** Drop the connection and resume at once from the last applied version (e.g. a "reconnect" key). */
  reconnect(): void {
    if (this.started && !this.closed) this.live.reconnect();
  }

  /** Stop: close the socket, cancel timers, save the server state, flush the stores. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Up to date right now: the saved lists say so.
    if (this.isCurrent()) this.noteCurrent();
    this.closed = true;
    this.live.close();
    this.sender.stop();
    this.snapshots.save();
    await Promise.all([this.saveChain, this.snapshots.settled()]);
    this.resolveIdle();
  }

  getState(): SyncState {
    return this.state;
  }

  /** The rows to render at `now` (default: the engine's clock). */
  getView(now: number = this.now()): SyncView {
    return selectView(this.state, now, { limits: this.limits });
  }

  get status(): LiveStatus {
    return this.liveStatus;
  }

  /** Details of the connection state (attempt, retry delay, reason). */
  get statusInfo(): LiveStatusInfo {
    return this.liveInfo;
  }

  /**
   * When (engine clock) the server state shown was last known to match the
   * daemon's: now while live, else the last moment it was (for a restored
   * state, when it was saved); null when nothing has been loaded.
   */
  get dataAsOf(): number | null {
    return this.isCurrent() ? this.now() : this.currentAt;
  }

  /** The daemon's words when access was revoked. */
  get revokedReason(): string | undefined {
    return this.revokedMessage;
  }

  /**
   * The activation link of an invitation, when this engine created or resent
   * it and the daemon showed the link (SPEC §2); the latest send's.
   */
  activationURL(inviteID: string): string | undefined {
    return this.links.get(inviteID);
  }

  /** Called after every state or status change. Returns an unsubscribe function. */
  subscribe(fn: EngineListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Check an action locally (R2, R3, R5, R6, R11...) without submitting it. */
  validate(input: ActionInput) {
    return validateLocally(this.state, input, this.opts.actorID, this.now(), this.limits);
  }

  /**
   * Validate locally and, when the rules allow it, queue the action (shown
   * optimistically at once) and send it as soon as possible. A local
   * refusal is returned with the daemon's message and nothing is queued.
   */
  submit(input: ActionInput): Result<PendingAction> {
    if (this.closed) return err(errors.invalidBody("The sync engine is closed."));
    if (this.liveStatus === "revoked") return err(errors.orgNotFound());
    const v = this.validate(input);
    if (!v.ok) return v;
    const action = makePendingAction(this.state, v.value.kind, {
      id: this.newID(),
      actorID: this.opts.actorID,
      now: this.now(),
    });
    this.dispatch({ type: "submitted", action });
    this.sender.kick();
    return ok(action);
  }

  /** Forget a failed action (or cancel one not sent yet). */
  dismiss(id: string): void {
    this.dispatch({ type: "dismissed", id });
  }

  /** Resolves when nothing is queued or in flight (or the engine is closed). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once the state satisfies `pred` (checked after every change). */
  waitFor(
    pred: (state: SyncState, status: LiveStatus) => boolean,
    timeoutMs = 10_000,
  ): Promise<SyncState> {
    if (pred(this.state, this.liveStatus)) return Promise.resolve(this.state);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(
          new Error(
            `SyncEngine.waitFor timed out after ${timeoutMs} ms (status ${this.liveStatus}, version ${this.state.version})`,
          ),
        );
      }, timeoutMs);
      const off = this.subscribe((s, st) => {
        if (!pred(s, st)) return;
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
  }

  // ------------------------------------------------------------- internals

  private dispatch(event: SyncEvent): void {
    const before = this.state;
    this.state = reduce(before, event);
    this.opts.onEvent?.(event, before, this.state);
    if (this.state === before) return;
    if (this.state.pending !== this.savedPending) this.persist();
    if (
      this.state.version !== before.version ||
      this.state.server !== before.server ||
      this.state.org !== before.org
    ) {
      if (event.type === "snapshot" || event.type === "change") this.currentAt = this.now();
      this.scheduleSnapshotSave();
    }
    if (this.state.needsResync && !before.needsResync && this.started && !this.closed) {
      // A gap (or a confirmation only a fresh snapshot can settle): reconnect and resume.
      queueMicrotask(() => this.live.reconnect());
    }
    this.emit();
    if (this.isIdle()) this.resolveIdle();
  }

  private onServerMessage(msg: ServerMessage): void {
    if (msg.type === "revoked") {
      this.revokedMessage = msg.message;
      return;
    }
    const event = eventFromServer(msg);
    if (event) this.dispatch(event);
  }

  private onLiveStatus(status: LiveStatus, info: LiveStatusInfo): void {
    const wasLive = this.liveStatus === "live";
    const wasCurrent = this.isCurrent();
    this.liveStatus = status;
    this.liveInfo = info;
    if (status === "revoked" && !this.revokedMessage && info.reason)
      this.revokedMessage = info.reason;
    if (status === "revoked") this.snapshots.forget();
    else if (wasCurrent && !this.isCurrent()) {
      // The lists were current until now: save when that was.
      this.noteCurrent();
      this.scheduleSnapshotSave();
    }
    if (status === "live" && !wasLive) {
      // The daemon is back: replay now rather than waiting for the send timer.
      this.sender.resume();
    }
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) {
      try {
        fn(this.state, this.liveStatus);
      } catch {
        // A listener's bug must not break the engine.
      }
    }
  }

  private isIdle(): boolean {
    return (
      this.closed || !this.state.pending.some((a) => a.state === "queued" || a.state === "sending")
    );
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Live and caught up: the server state is the daemon's as of now. */
  private isCurrent(): boolean {
    return this.liveStatus === "live" && this.state.live;
  }

  private noteCurrent(): void {
    this.currentAt = this.now();
    this.snapshots.markDirty();
  }

  private scheduleSnapshotSave(): void {
    if (!this.closed) this.snapshots.schedule();
  }

  private persist(): void {
    const snapshot = this.state.pending;
    this.savedPending = snapshot;
    this.saveChain = this.saveChain
      .then(() => this.store.save(snapshot))
      .catch((e: unknown) => this.opts.onStoreError?.(e));
  }
}
