/**
 * The daemon's housekeeping, at start and every hour: forget Idempotency-Keys
 * past their TTL and abuse-limit events past the longest window, and prune,
 * past the retention, done-with outbox rows, unusable link hashes
 * (storage/retention.ts) and the file transport's `.eml` files.
 */
import { join } from "node:path";
import { DAY_MS } from "@roster/core";
import type { Logger } from "./logger.ts";
import { pruneMailFiles } from "./mail/prune-mail-files.ts";
import { pruneEvents } from "./storage/abuse-events.ts";
import { pruneIdempotencyKeys } from "./storage/idempotency-store.ts";
import { pruneRetained } from "./storage/retention.ts";
import type { Storage } from "./storage/storage.ts";

/** Default retention of sent mail and old link hashes: 30 days. */
export const DEFAULT_RETENTION_DAYS = 30;

export interface PruneOptions {
  storage: Storage;
  dataDir: string;
  now: () => number;
  retentionMs: number;
  logger: Logger;
}

export interface PruneReport {
  outbox: number;
  inviteTokens: number;
  mailFiles: number;
  abuseEvents: number;
}

/** One round of pruning; each part's failure is logged and does not stop the others. */
export async function pruneOnce(opts: PruneOptions): Promise<PruneReport> {
  const now = opts.now();
  const cutoff = now - opts.retentionMs;
  const report: PruneReport = { outbox: 0, inviteTokens: 0, mailFiles: 0, abuseEvents: 0 };
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      opts.logger.warn({ err }, `could not prune ${what}`);
    }
  };
  await step("idempotency keys", () => pruneIdempotencyKeys(opts.storage, now));
  await step("abuse-limit events", async () => {
    report.abuseEvents = await pruneEvents(opts.storage, now - DAY_MS);
  });
  await step("sent mail and old links", async () => {
    Object.assign(report, await pruneRetained(opts.storage, cutoff, now));
  });
  await step("mail files", async () => {
    report.mailFiles = await pruneMailFiles(join(opts.dataDir, "mail"), cutoff);
  });
  if (report.outbox + report.inviteTokens + report.mailFiles > 0) {
    opts.logger.info({ ...report, retentionDays: opts.retentionMs / DAY_MS }, "pruned");
  }
  return report;
}
