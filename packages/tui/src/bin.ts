/**
 * The `roster` executable: the TUI without a command, the daemon, and the
 * scripting subcommands. Exit codes: 0 ok, 1 refused, 2 usage, 3 unreachable.
 */
import { CommanderError } from "commander";
import { buildProgram } from "./cli/program.ts";
import { EXIT } from "./cli/exit-codes.ts";

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    // `roster daemon` sets the daemon's own exit code.
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    // Commander has already printed its message (or the help / version).
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const { describeFailure } = await import("./cli/report.ts");
    const { text, exitCode } = describeFailure(e);
    process.stderr.write(`${text}\n`);
    return exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
