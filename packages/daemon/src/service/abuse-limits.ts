/**
 * R14 in a command's transaction: before an org is created or an invitation
 * email is queued, each limit it falls under is locked, counted and decided
 * by core (decideRate); over one, the command fails with 429 rate_limited
 * and its Retry-After (its transaction, effect included, rolls back). Under
 * all of them, the event is recorded in the same transaction.
 */
import { decideRate, emailRules, orgCreationRule, type RateRule } from "@roster/core";
import { lockCounter, newestEvents, recordEvent } from "../storage/abuse-events.ts";
import type { Sql } from "../storage/storage.ts";
import type { ServiceContext } from "./context.ts";
import { unwrap } from "./domain-failure.ts";

async function admit(tx: Sql, rules: readonly RateRule[], now: number): Promise<void> {
  for (const rule of rules) {
    if (rule.limit <= 0) continue;
    await lockCounter(tx, rule.counter, rule.subject);
    const newest = await newestEvents(
      tx,
      rule.counter,
      rule.subject,
      now - rule.windowMs,
      rule.limit,
    );
    unwrap(decideRate(rule, newest, now));
  }
  for (const rule of rules) await recordEvent(tx, rule.counter, rule.subject, now);
}

/** One more invitation email (an invite or a resend) from `orgID` to `address`. */
export function admitInvitationEmail(
  tx: Sql,
  ctx: ServiceContext,
  orgID: string,
  address: string,
  now: number,
): Promise<void> {
  return admit(tx, emailRules(ctx.abuse, orgID, address), now);
}

/** One more org created by `userID`. */
export function admitOrgCreation(
  tx: Sql,
  ctx: ServiceContext,
  userID: string,
  now: number,
): Promise<void> {
  return admit(tx, [orgCreationRule(ctx.abuse, userID)], now);
}
