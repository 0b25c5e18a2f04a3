import type { AbuseLimits, Limits } from "@roster/core";

/** What every command needs besides its transaction. */
export interface ServiceContext {
  limits: Limits;
  /** R14: org creations and invitation emails per window. */
  abuse: AbuseLimits;
  /** The clock (ms since epoch); tests may move it. */
  now: () => number;
}

/** The API token that authenticated a request (R13). */
export interface Credential {
  tokenID: string;
  /** When it stops working (ms since epoch); null: never. */
  expiresAt: number | null;
}

/** The authenticated caller of a command. */
export interface Caller {
  userID: string;
  email: string;
}
