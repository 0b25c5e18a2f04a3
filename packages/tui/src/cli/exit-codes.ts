/** Exit codes of the `roster` executable (SPEC §6). */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The daemon refused (or the id/email/org named nothing). */
  refused: 1,
  /** A usage error: unknown command or option, missing argument, bad config file. */
  usage: 2,
  /** The daemon could not be reached. */
  unreachable: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error the CLI reports itself: a message for stderr and the exit code,
 * and optionally a hint printed on the lines after the `Error:` line.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code?: string,
    readonly reason?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
