/**
 * What the `roster` package exports to programs (`import { RosterClient } from "roster"`):
 * the typed client of the daemon's HTTP API and its errors. The executable is `bin/roster.js`.
 */
export {
  RosterClient,
  RosterApiError,
  RosterUnreachableError,
  type ClientOptions,
  type MutationOptions,
} from "@roster/core/client";
