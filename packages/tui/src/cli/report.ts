/**
 * Output: results on stdout (a table, or JSON with --json), errors on stderr
 * as `Error: <message> (<code>: <reason>)`, and the exit code for each kind
 * of failure.
 */
import { RosterApiError, RosterUnreachableError } from "@roster/core/client";
import { isDomainError } from "@roster/core";
import { ConfigError } from "../config.ts";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function tag(code: string | undefined, reason: string | undefined): string {
  if (!code) return "";
  return reason ? ` (${code}: ${reason})` : ` (${code})`;
}

/** The stderr text and exit code for anything a command threw. */
export function describeFailure(e: unknown): { text: string; exitCode: ExitCode } {
  if (e instanceof RosterUnreachableError) {
    return {
      text:
        `Error: ${e.message}\n` +
        `Start one with \`roster daemon\`, or point --url or ROSTER_URL at a running daemon.`,
      exitCode: EXIT.unreachable,
    };
  }
  if (e instanceof RosterApiError) {
    let text = `Error: ${e.message}${tag(e.code, e.reason)}`;
    if (e.status === 401) {
      text +=
        "\nSign in with `roster setup` (first owner) or `roster accept <link>`, or set ROSTER_TOKEN.";
    }
    return { text, exitCode: EXIT.refused };
  }
  if (e instanceof CliError) {
    const hint = e.hint ? `\n${e.hint}` : "";
    return { text: `Error: ${e.message}${tag(e.code, e.reason)}${hint}`, exitCode: e.exitCode };
  }
  if (e instanceof ConfigError) return { text: `Error: ${e.message}`, exitCode: EXIT.usage };
  if (isDomainError(e))
    return { text: `Error: ${e.message}${tag(e.code, e.reason)}`, exitCode: EXIT.refused };
  const message = e instanceof Error ? e.message : String(e);
  return { text: `Error: ${message}`, exitCode: EXIT.refused };
}
