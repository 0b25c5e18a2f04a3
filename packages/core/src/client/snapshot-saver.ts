/**
 * When an engine writes the last known server state to its SnapshotStore:
 * soon after a change, at most once per interval, at once on close, never
 * again once access is revoked (the saved lists are deleted then). Writes
 * run one after the other; a failed one is reported and does not stop the
 * next.
 */
import type { SavedSnapshot, SnapshotStore } from "../sync/saved-snapshot.ts";

export class SnapshotSaver {
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private lastSave = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Access was revoked: the saved lists are deleted and never saved again. */
  private off = false;

  constructor(
    private readonly store: SnapshotStore | undefined,
    /** The snapshot to write at this moment (undefined: nothing worth saving). */
    private readonly take: () => SavedSnapshot | undefined,
    private readonly intervalMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** What is saved is out of date (written by the next save). */
  markDirty(): void {
    this.dirty = true;
  }

  /** Save soon: at once if the last save is old enough, else when it is. */
  schedule(): void {
    if (!this.store || this.off) return;
    this.dirty = true;
    if (this.timer) return;
    const delay = Math.max(0, this.lastSave + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save();
    }, delay);
    this.timer.unref?.();
  }

  /** Save now if anything changed since the last save. */
  save(): void {
    this.cancelTimer();
    const store = this.store;
    if (!store || this.off || !this.dirty) return;
    this.dirty = false;
    const snapshot = this.take();
    if (!snapshot) return;
    this.lastSave = Date.now();
    this.chain = this.chain.then(() => store.save(snapshot)).catch(this.onError);
  }

  /** Access was revoked: delete the saved lists and save no more. */
  forget(): void {
    const store = this.store;
    if (!store || this.off) return;
    this.off = true;
    this.cancelTimer();
    this.chain = this.chain.then(() => store.clear?.()).catch(this.onError);
  }

  /** Resolves when every write asked for so far is done. */
  settled(): Promise<void> {
    return this.chain;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
