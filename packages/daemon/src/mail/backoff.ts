/**
 * Retry policy of the outbox (pure): exponential backoff with jitter and a
 * maximum number of attempts.
 */

export interface RetryPolicy {
  /** Delay before the 2nd attempt; doubles on each failure. Default 2 s. */
  baseMs: number;
  /** Longest delay between two attempts. Default 10 min. */
  capMs: number;
  /** Attempts (sends tried) before giving up. Default 8. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 2_000,
  capMs: 10 * 60_000,
  maxAttempts: 8,
};

/**
 * Delay after the `attempts`-th failed attempt (1-based): base·2^(attempts-1),
 * capped, with "equal jitter" — uniformly in [d/2, d] — so that instances
 * retrying the same failure spread out but never retry sooner than d/2.
 * `random` is a number in [0, 1).
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: number): number {
  const n = Math.max(1, Math.floor(attempts));
  const exp = policy.baseMs * 2 ** Math.min(n - 1, 40);
  const d = Math.min(policy.capMs, exp);
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(d / 2 + (d / 2) * r);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** After the `attempts`-th attempt failed: try again later, or give up. */
export function decideRetry(attempts: number, policy: RetryPolicy, random: number): RetryDecision {
  if (attempts >= policy.maxAttempts) return { retry: false };
  return { retry: true, delayMs: retryDelayMs(attempts, policy, random) };
}
