/**
 * "Last used" of API tokens (R13) without a write per request: each token's
 * use is recorded at most once per `everyMs` (default a minute, so
 * `lastUsedAt` is exact to the minute), in one batched statement outside the
 * request's path. A failed write is reported and forgotten: the next use
 * records it again.
 */
import { iso } from "../storage/rows.ts";
import type { Sql } from "../storage/storage.ts";
import { touchApiTokens } from "../storage/token-store.ts";

export class TokenUsage {
  readonly #recorded = new Map<string, number>();
  #pending = new Set<string>();
  #flushing = false;

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly everyMs = 60_000,
  ) {}

  /** The token authenticated a request now. */
  used(tokenID: string): void {
    const now = this.now();
    const last = this.#recorded.get(tokenID);
    if (last !== undefined && now - last < this.everyMs) return;
    this.#recorded.set(tokenID, now);
    if (this.#recorded.size > 100_000) this.#recorded.clear();
    this.#pending.add(tokenID);
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    const ids = [...this.#pending];
    this.#pending = new Set();
    try {
      await touchApiTokens(this.sql, ids, iso(new Date(this.now())));
    } catch (err) {
      for (const id of ids) this.#recorded.delete(id);
      this.onError(err);
    }
    if (this.#pending.size > 0) setImmediate(() => void this.#flush());
    else this.#flushing = false;
  }
}
