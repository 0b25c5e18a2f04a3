import type { Logger } from "pino";
import type { ChangeFeed } from "../change-feed.ts";
import type { RosterService } from "../service/service.ts";
import type { AuthenticatedUser } from "../service/queries.ts";
import type { Storage } from "../storage/storage.ts";

/** What the HTTP layer is built from. */
export interface AppContext {
  service: RosterService;
  storage: Storage;
  feed: ChangeFeed;
  logger: Logger;
  /** Base URL that people reach this daemon at (for links and hints). */
  publicUrl: () => string;
}

/** Hono environment: per-request variables. */
export interface Env {
  Variables: {
    reqId: string;
    log: Logger;
    /** Set by requireAuth. */
    caller: AuthenticatedUser;
  };
}
