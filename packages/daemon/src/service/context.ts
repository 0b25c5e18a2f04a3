import type { Limits } from "@roster/core";

/** What every command needs besides its transaction. */
export interface ServiceContext {
  limits: Limits;
  /** The clock (ms since epoch); tests may move it. */
  now: () => number;
}

/** The authenticated caller of a command. */
export interface Caller {
  userID: string;
  email: string;
}
