/**
 * Live API tokens by hash, in memory, so that authenticating a request needs
 * no database read once its token has been seen (SPEC §8). Exact (R13):
 *
 * - expiry is checked against the clock at every lookup;
 * - a revocation removes the token before the revoking request's 2xx (the
 *   route calls forget() after COMMIT) and, on other daemons sharing the
 *   database, when its NOTIFY arrives (forget() again); a lost LISTEN
 *   connection empties the cache (clear()), since notifications were missed;
 * - a lookup that read the database before a revocation never stores what
 *   it read after it: every forget/clear bumps a generation, and a result is
 *   kept only if the generation is the one seen before the read.
 *
 * Only live tokens are kept (an unknown or revoked one is read every time),
 * at most `max` of them, the least recently stored dropped first.
 */
import type { AuthenticatedUser } from "../storage/read-queries.ts";

export class TokenCache {
  readonly #byHash = new Map<string, AuthenticatedUser>();
  #generation = 0;

  constructor(private readonly max = 10_000) {}

  /** The live token with this hash at `now`, if cached. */
  get(hash: string, now: number): AuthenticatedUser | undefined {
    const found = this.#byHash.get(hash);
    if (!found) return undefined;
    if (found.tokenExpiresAt !== null && found.tokenExpiresAt <= now) {
      this.#byHash.delete(hash);
      return undefined;
    }
    return found;
  }

  /**
   * Run a database read of a token and keep the live token it found (`user`
   * picks it from the result), unless a revocation came while it ran.
   */
  async readThrough<T>(read: () => Promise<T>, user: (r: T) => AuthenticatedUser | undefined) {
    const generation = this.#generation;
    const result = await read();
    this.store(user(result), generation);
    return result;
  }

  /** The generation to hand back to store() after a database read. */
  get generation(): number {
    return this.#generation;
  }

  /** Keep what a read begun at `generation` found, unless a revocation came since. */
  store(found: AuthenticatedUser | undefined, generation: number): void {
    if (!found || generation !== this.#generation) return;
    this.#byHash.delete(found.tokenHash);
    this.#byHash.set(found.tokenHash, found);
    if (this.#byHash.size > this.max) {
      const oldest = this.#byHash.keys().next().value;
      if (oldest !== undefined) this.#byHash.delete(oldest);
    }
  }

  /** The token `tokenID` was revoked: it never authenticates from the cache again. */
  forget(tokenID: string): void {
    this.#generation++;
    for (const [hash, t] of this.#byHash) if (t.tokenID === tokenID) this.#byHash.delete(hash);
  }

  /** Revocations may have been missed: forget every token. */
  clear(): void {
    this.#generation++;
    this.#byHash.clear();
  }

  get size(): number {
    return this.#byHash.size;
  }
}
