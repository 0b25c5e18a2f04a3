/**
 * Retry policy of the outbox (pure): exponential backoff with jitter, capped,
 * for as long as the invitation's link is valid (SPEC §4: an SMTP outage of
 * hours delays invitations, it does not fail them), optionally bounded by a
 * number of attempts.
 */

export interface RetryPolicy {
  /** Delay before the 2nd attempt; doubles on each failure. Default 2 s. */
  baseMs: number;
  /** Longest delay between two attempts. Default 10 min. */
  capMs: number;
  /** Attempts (sends tried) before giving up; undefined (the default): no limit but the link's expiry. */
  maxAttempts?: number | undefined;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 2_000,
  capMs: 10 * 60_000,
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

export type RetryDecision =
  { retry: true; delayMs: number } | { retry: false; why: "max-attempts" | "link-expires" };

/**
 * After the `attempts`-th attempt failed, `linkValidForMs` before the
 * invitation's link expires: try again later, or give up — after the last
 * allowed attempt, or when the next attempt would fall after the link expired
 * (a mail carrying a dead link is of no use).
 */
export function decideRetry(
  attempts: number,
  policy: RetryPolicy,
  random: number,
  linkValidForMs: number = Number.POSITIVE_INFINITY,
): RetryDecision {
  if (policy.maxAttempts !== undefined && attempts >= policy.maxAttempts) {
    return { retry: false, why: "max-attempts" };
  }
  const delayMs = retryDelayMs(attempts, policy, random);
  if (delayMs >= linkValidForMs) return { retry: false, why: "link-expires" };
  return { retry: true, delayMs };
}
