/**
 * R14: abuse limits, daemon-wide, with defaults no honest operator meets.
 * Each limit counts events of one kind about one subject in a sliding
 * window: org creations per user per day, invitation emails (invites and
 * resends) per org per hour, invitation emails per recipient address per day
 * across all orgs. The daemon counts; the decision and its words are here.
 */
import { errors, type DomainError } from "./errors.ts";
import { err, ok, type Result } from "./result.ts";

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/** How many of each are allowed per window; 0 turns that limit off. */
export interface AbuseLimits {
  orgsPerUserPerDay: number;
  emailsPerOrgPerHour: number;
  emailsPerAddressPerDay: number;
}

export const DEFAULT_ABUSE_LIMITS: AbuseLimits = {
  orgsPerUserPerDay: 20,
  emailsPerOrgPerHour: 200,
  emailsPerAddressPerDay: 10,
};

/** What is counted, and about whom: a user id, an org id, a normalised email address. */
export type AbuseCounter = "org_created" | "org_email" | "address_email";

export interface RateRule {
  counter: AbuseCounter;
  subject: string;
  limit: number;
  windowMs: number;
  /** The refusal, given the limit and the seconds until a retry can succeed. */
  refusal: (limit: number, retryAfterS: number) => DomainError;
}

/** The limits an email to `address` from `orgID` falls under. */
export function emailRules(limits: AbuseLimits, orgID: string, address: string): RateRule[] {
  return [
    {
      counter: "org_email",
      subject: orgID,
      limit: limits.emailsPerOrgPerHour,
      windowMs: HOUR_MS,
      refusal: errors.orgEmailsRateLimited,
    },
    {
      counter: "address_email",
      subject: address,
      limit: limits.emailsPerAddressPerDay,
      windowMs: DAY_MS,
      refusal: errors.addressEmailsRateLimited,
    },
  ];
}

/** The limit a new org by `userID` falls under. */
export function orgCreationRule(limits: AbuseLimits, userID: string): RateRule {
  return {
    counter: "org_created",
    subject: userID,
    limit: limits.orgsPerUserPerDay,
    windowMs: DAY_MS,
    refusal: errors.orgCreationsRateLimited,
  };
}

/**
 * Whether one more event is allowed at `now`, given the times (ms) of the
 * newest events of the rule's counter and subject inside its window — at
 * most `limit` of them, newest first, as the daemon reads them. When the
 * window already holds `limit`, the retry is possible once the oldest of
 * those leaves it.
 */
export function decideRate(rule: RateRule, newest: readonly number[], now: number): Result<null> {
  if (rule.limit <= 0) return ok(null);
  const inWindow = newest.filter((t) => t > now - rule.windowMs);
  if (inWindow.length < rule.limit) return ok(null);
  const leaving = Math.min(...inWindow.slice(0, rule.limit));
  const retryAfterS = Math.max(1, Math.ceil((leaving + rule.windowMs - now) / 1000));
  return err(rule.refusal(rule.limit, retryAfterS));
}
