import type { Logger } from "pino";
import type { ChangeFeed } from "../change-feed.ts";
import type { OrgProjection } from "../live/org-projection.ts";
import type { RosterService } from "../service/service.ts";
import type { AuthenticatedUser } from "../storage/read-queries.ts";
import type { Storage } from "../storage/storage.ts";

/** What the HTTP layer is built from. */
export interface AppContext {
  service: RosterService;
  storage: Storage;
  feed: ChangeFeed;
  logger: Logger;
  /** Base URL that people reach this daemon at (for links and hints). */
  publicUrl: () => string;
  /**
   * In-memory org projections kept current by the change feed (the live
   * hub's store, live/org-projection.ts). Optional: without it every list
   * read goes to the database.
   */
  projections?: ProjectionReader | undefined;
}

/** What list reads need of the projection store. */
export interface ProjectionReader {
  /** The projection at exactly `version`, or undefined (not loaded, or behind/ahead). */
  at(orgID: string, version: number): OrgProjection | undefined;
  /** Keep it loaded (start loading it) for the next reads. */
  warm(orgID: string): void;
}

/** Hono environment: per-request variables. */
export interface Env {
  Variables: {
    reqId: string;
    log: Logger;
    /** Set by requireAuth. */
    caller: AuthenticatedUser;
    /** Set by requireOrgMember: the org's version when the membership was checked. */
    orgVersion: number;
  };
}
