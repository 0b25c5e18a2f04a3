import type { AbuseLimits, Limits } from "@roster/core";

/** What every command needs besides its transaction. */
export interface ServiceContext {
  limits: Limits;
  /** R14: org creations and invitation emails per window. */
  abuse: AbuseLimits;
  /** The clock (ms since epoch); tests may move it. */
  now: () => number;
}

/** The authenticated caller of a command. */
export interface Caller {
  userID: string;
  email: string;
}
