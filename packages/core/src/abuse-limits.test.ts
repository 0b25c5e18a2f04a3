import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  decideRate,
  DEFAULT_ABUSE_LIMITS,
  emailRules,
  HOUR_MS,
  orgCreationRule,
} from "./abuse-limits.ts";

const now = Date.parse("2026-03-01T12:00:00Z");

describe("R14: decideRate", () => {
  it("defaults: 20 orgs per user per day, 200 emails per org per hour, 10 per address per day", () => {
    expect(DEFAULT_ABUSE_LIMITS).toEqual({
      orgsPerUserPerDay: 20,
      emailsPerOrgPerHour: 200,
      emailsPerAddressPerDay: 10,
    });
    const [org, address] = emailRules(DEFAULT_ABUSE_LIMITS, "o1", "a@example.com");
    expect(org).toMatchObject({
      counter: "org_email",
      subject: "o1",
      limit: 200,
      windowMs: HOUR_MS,
    });
    expect(address).toMatchObject({ counter: "address_email", limit: 10, windowMs: DAY_MS });
    expect(orgCreationRule(DEFAULT_ABUSE_LIMITS, "u1")).toMatchObject({
      limit: 20,
      windowMs: DAY_MS,
    });
  });

  it("allows under the limit; at it, refuses until the oldest counted event leaves the window", () => {
    const rule = orgCreationRule({ ...DEFAULT_ABUSE_LIMITS, orgsPerUserPerDay: 3 }, "u1");
    expect(decideRate(rule, [now - 1000, now - 2000], now)).toEqual({ ok: true, value: null });
    const full = [now - 1000, now - 2000, now - 3 * HOUR_MS];
    const r = decideRate(rule, full, now);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({
      code: "too many requests",
      reason: "rate_limited",
      retryAfterS: 21 * 3600,
    });
    expect(r.error.message).toBe(
      "You have created 3 organizations in the last 24 hours, the most this daemon allows. Try again in 21 h.",
    );
    // Events outside the window do not count; 0 turns the limit off.
    expect(decideRate(rule, [now - 1000, now - 2000, now - DAY_MS], now).ok).toBe(true);
    expect(decideRate({ ...rule, limit: 0 }, full, now).ok).toBe(true);
  });

  it("Retry-After is at least one whole second, and the message says it in words", () => {
    const [org] = emailRules(
      { ...DEFAULT_ABUSE_LIMITS, emailsPerOrgPerHour: 1 },
      "o1",
      "a@example.com",
    );
    const soon = decideRate(org!, [now - HOUR_MS + 300], now);
    expect(!soon.ok && soon.error.retryAfterS).toBe(1);
    expect(!soon.ok && soon.error.message).toMatch(/Try again in 1 s\.$/);
    const later = decideRate(org!, [now - 30 * 60_000], now);
    expect(!later.ok && later.error.message).toMatch(/Try again in 30 min\.$/);
  });
});
