import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, decideRetry, retryDelayMs } from "./backoff.ts";

describe("retry policy", () => {
  const p = DEFAULT_RETRY_POLICY;

  it("doubles from 2 s, with the jitter between half and the full delay", () => {
    expect(retryDelayMs(1, p, 0)).toBe(1_000);
    expect(retryDelayMs(1, p, 0.999999)).toBe(2_000);
    expect(retryDelayMs(2, p, 0)).toBe(2_000);
    expect(retryDelayMs(3, p, 0.5)).toBe(6_000);
    expect(retryDelayMs(4, p, 1)).toBe(16_000);
  });

  it("is capped at 10 minutes", () => {
    expect(retryDelayMs(9, p, 1)).toBe(512_000);
    expect(retryDelayMs(10, p, 1)).toBe(p.capMs);
    expect(retryDelayMs(1000, p, 1)).toBe(p.capMs);
  });

  it("always lies in [d/2, d] and never exceeds the cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, r) => {
          const d = Math.min(p.capMs, p.baseMs * 2 ** Math.min(n - 1, 40));
          const got = retryDelayMs(n, p, r);
          return got >= Math.floor(d / 2) && got <= d && got <= p.capMs;
        },
      ),
    );
  });

  it("by default retries for as long as the link is valid: through a 71-hour outage", () => {
    const H = 3_600_000;
    let valid = 72 * H;
    let attempts = 0;
    for (;;) {
      attempts++;
      const d = decideRetry(attempts, p, 0.5, valid);
      if (!d.retry) {
        expect(d.why).toBe("link-expires");
        break;
      }
      valid -= d.delayMs;
    }
    // ~430 attempts, the last one less than one (capped) delay before the link expires
    expect(attempts).toBeGreaterThan(400);
    expect(valid).toBeLessThanOrEqual(p.capMs);
    expect(valid).toBeGreaterThan(0);
  });

  it("gives up when the next attempt would come after the link expired", () => {
    expect(decideRetry(3, p, 0.5, 6_001)).toEqual({ retry: true, delayMs: 6_000 });
    expect(decideRetry(3, p, 0.5, 6_000)).toEqual({ retry: false, why: "link-expires" });
    expect(decideRetry(1, p, 0.5, -5)).toEqual({ retry: false, why: "link-expires" });
  });

  it("gives up after maxAttempts when one is set", () => {
    const q = { ...p, maxAttempts: 8 };
    expect(decideRetry(7, q, 0.5)).toEqual({ retry: true, delayMs: retryDelayMs(7, q, 0.5) });
    expect(decideRetry(8, q, 0.5)).toEqual({ retry: false, why: "max-attempts" });
    expect(decideRetry(1, { ...p, maxAttempts: 1 }, 0.5)).toEqual({
      retry: false,
      why: "max-attempts",
    });
  });
});
