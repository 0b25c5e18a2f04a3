/** What the HTTP layer is built from, and the typed variables its middleware set. */
import type { User } from "@roster/core";
import type { Logger } from "pino";
import type { LiveHub } from "../live/live-hub.ts";
import type { OrgProjection } from "../live/org-projection.ts";
import type { Caller, Credential } from "../service/context.ts";
import type { RosterService } from "../service/service.ts";
import type { Sql, Storage } from "../storage/storage.ts";

export interface AppContext {
  service: RosterService;
  storage: Storage;
  logger: Logger;
  /** Base URL that people reach this daemon at (for links and hints). */
  publicUrl: () => string;
  /**
   * Answer a create or resend with the new link as `activationURL` (SPEC §2):
   * the default with the file transport, opt-in with SMTP.
   */
  showInviteLinks?: boolean | undefined;
  /**
   * In-memory org projections kept current by the change feed (the live
   * hub's store, live/org-projection.ts). Optional: without it every list
   * read goes to the database.
   */
  projections?: ProjectionReader | undefined;
  /** The live hub the WebSocket route hands upgraded sockets to. */
  live: Pick<
    LiveHub,
    "attach" | "onMessage" | "detach" | "revokeMember" | "revokeToken" | "sessionLimit"
  >;
}

/** What list reads need of the projection store. */
export interface ProjectionReader {
  /** The projection at exactly `version`, or undefined (not loaded, or behind/ahead). */
  at(orgID: string, version: number): OrgProjection | undefined;
  /**
   * The projection if it holds every commit this daemon knows of (its own
   * at their COMMIT, other daemons' once NOTIFY'd): memberships are read
   * from it (middleware/auth.ts). Undefined when not loaded or behind.
   */
  current(orgID: string): OrgProjection | undefined;
  /** Keep it loaded (start loading it) for the next reads. */
  warm(orgID: string): void;
}

/** Every request (middleware/request-context.ts). */
export interface Env {
  Variables: { reqId: string; log: Logger };
}

/** After requireAuth (middleware/auth.ts): who is calling, with which token. */
export interface AuthEnv {
  Variables: { user: User; caller: Caller; credential: Credential };
}

/** After optionalAuth: the caller, when the request carried a valid token. */
export interface MaybeAuthEnv {
  Variables: { caller: Caller | undefined };
}

/** After requireOrgMember: also the org's version read with the membership. */
export interface OrgEnv {
  Variables: { user: User; caller: Caller; credential: Credential; orgVersion: number };
}

/** Inside idempotent() (middleware/idempotency.ts): the command's transaction. */
export interface TxEnv {
  Variables: { tx: Sql };
}
