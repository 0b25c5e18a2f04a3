/** `roster backup <file>` and `roster restore <file>` (see commands/backup.ts). */
import { Option, type Command } from "commander";
import { lazyAct } from "./command-kit.ts";

export function addBackupCommands(program: Command): void {
  const storageOptions = (cmd: Command, verb: string): Command =>
    cmd
      .addOption(
        new Option(
          "--data-dir <dir>",
          `the data directory to ${verb} (default $ROSTER_DATA_DIR, else $XDG_DATA_HOME/roster)`,
        ),
      )
      .addOption(
        new Option(
          "--database-url <url>",
          `${verb} this PostgreSQL database instead (default $ROSTER_DATABASE_URL)`,
        ),
      )
      .option("--json", "print JSON");
  storageOptions(
    program
      .command("backup")
      .description(
        "back up the whole database to a file: taken by the running daemon, or directly if none runs",
      )
      .argument("<file>", "the file to write (gzipped JSON lines, readable by you alone)"),
    "back up",
  ).action(lazyAct(async () => (await import("./commands/backup.ts")).backup));
  storageOptions(
    program
      .command("restore")
      .description(
        "restore a backup into a data directory (refused while a daemon runs there; the database it replaces is kept aside)",
      )
      .argument("<file>", "a file written by `roster backup`"),
    "restore into",
  ).action(lazyAct(async () => (await import("./commands/backup.ts")).restore));
}
