/**
 * Change-log retention: keep the newest `keep` entries of every org and
 * delete older ones (0 keeps everything). The change log is also the audit
 * trail (R12: who did what, when), so by default nothing is deleted; an
 * operator may bound it with `--change-retention N` (ROSTER_CHANGE_RETENTION).
 * A live client that resumes from a version older than what is retained (or
 * too far behind, see LiveHubOptions.maxCatchUp) gets a snapshot instead;
 * GET /changes reports the oldest retained version.
 */
import type { Logger } from "pino";
import { pruneAllChanges, pruneChanges } from "../storage/change-log.ts";
import type { Sql } from "../storage/storage.ts";

/** Default number of change-log entries kept per org: 0, every one (the audit trail). */
export const DEFAULT_CHANGE_RETENTION = 0;

export class ChangeRetention {
  readonly #every: number;

  constructor(
    private readonly sql: Sql,
    readonly keep: number,
    private readonly logger?: Logger,
  ) {
    // Prune in batches: every tenth of the window (at least every entry for tiny windows).
    this.#every = Math.max(1, Math.min(500, Math.floor(keep / 10)));
  }

  /** Called for every committed entry; prunes the org now and then. */
  onEntry(orgID: string, version: number): void {
    if (this.keep <= 0 || version <= this.keep || version % this.#every !== 0) return;
    void this.pruneOrg(orgID, version - this.keep).catch((err: unknown) =>
      this.logger?.warn({ err, orgID }, "could not prune the change log"),
    );
  }

  /** Delete the entries of `orgID` up to and including `upTo`. */
  async pruneOrg(orgID: string, upTo: number): Promise<void> {
    await pruneChanges(this.sql, orgID, upTo);
  }

  /** Prune every org (at start-up and from time to time). */
  async pruneAll(): Promise<void> {
    if (this.keep <= 0) return;
    await pruneAllChanges(this.sql, this.keep);
  }
}
