/**
 * The `roster` command tree (commander). Only commander is loaded up front:
 * each action imports its module when it runs, so `roster --help` stays fast
 * and never loads the daemon or the TUI.
 */
import { Command, Option } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { act, lazyAct } from "./command-kit.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { addBackupCommands } from "./program-backup.ts";
import { addCompletionCommand } from "./program-completion.ts";
import { addDaemonCommand } from "./program-daemon.ts";

const USAGE_HINT = "(run with --help for usage)";

/** A usage error, with the hint commander gives its own. */
function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage, undefined, undefined, USAGE_HINT);
}

const STATUSES = ["pending", "expired", "accepted", "withdrawn", "open", "all"] as const;

export function version(): string {
  return pkg.version;
}

/** --json, --org and --url, as every scripting subcommand takes them. */
function common(cmd: Command, { org = true }: { org?: boolean } = {}): Command {
  cmd.option("--json", "print JSON (the API objects) instead of a table");
  if (org)
    cmd.option(
      "--org <id-or-name>",
      "the organization (default: from the config, or your only one)",
    );
  cmd.option(
    "--url <url>",
    "daemon URL (default: $ROSTER_URL, the config file, or http://127.0.0.1:8086)",
  );
  return cmd;
}

/** --sort COL and --reverse of the list commands (core's columns of that list). */
function sortOptions(cmd: Command, list: "members" | "invites"): Command {
  const cols =
    list === "members" ? "email, name, role, joined" : "email, status, expires, delivery";
  cmd.option("--sort <column>", `sort by a column: ${cols} (default: the daemon's order)`);
  cmd.option("--reverse", "reverse the order (with --sort, or of the first column)");
  return cmd;
}

export function buildProgram(): Command {
  const program = new Command("roster");
  program
    .description(
      "Manage who belongs to your organizations: members and invitations.\n" +
        "Without a command, opens the terminal UI.",
    )
    .version(version(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .exitOverride()
    .showHelpAfterError(USAGE_HINT)
    .enablePositionalOptions()
    // `roster help <command>`: commander omits it when the program has its own action (the TUI).
    .helpCommand("help [command]", "show help for a command")
    .option("--org <id-or-name>", "the organization to open")
    .option("--url <url>", "daemon URL")
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 1 the daemon refused, 2 usage error, 3 daemon unreachable.
Config: $XDG_CONFIG_HOME/roster/config.json (written by \`roster setup\` and \`roster accept\`).
Environment: ROSTER_URL, ROSTER_TOKEN, ROSTER_ORG, ROSTER_PORT, ROSTER_DATA_DIR, ...`,
    )
    .action(async (opts: { org?: string; url?: string }, cmd: Command) => {
      // Set below, after the subcommands copied the default: `roster bogus` is an unknown command.
      if (cmd.args.length > 0) {
        cmd.error(`error: unknown command '${cmd.args[0]}'`, {
          exitCode: 2,
          code: "commander.unknownCommand",
        });
      }
      const { runTuiCommand } = await import("./commands/tui.ts");
      await runTuiCommand(opts);
    });

  addDaemonCommand(program);

  // ------------------------------------------------------------------- setup
  program
    .command("setup")
    .description(
      "set up a new Roster daemon: the first organization and its owner (non-interactive)",
    )
    .requiredOption("--org <name>", "name of the first organization")
    .requiredOption("--email <email>", "email of the first owner (you)")
    .option("--name <name>", "your name")
    .option(
      "--url <url>",
      "daemon URL (default: $ROSTER_URL, the config file, or http://127.0.0.1:8086)",
    )
    .option("--json", "print JSON")
    .option(
      "--show-token",
      "also print the new API token (it is saved in the config file either way)",
    )
    .action(lazyAct(async () => (await import("./commands/setup.ts")).setup));

  // ------------------------------------------------------------------ accept
  program
    .command("accept")
    .description("accept an invitation: join its organization and save the new API token")
    .argument("<link-or-token>", "the activation link from the email, or just its token")
    .option("--name <name>", "your name (for a new account)")
    .option("--url <url>", "daemon URL (default: the configured one, else the link's)")
    .option("--json", "print JSON")
    .option(
      "--show-token",
      "also print the new API token (it is saved in the config file either way)",
    )
    // A bare token may begin with "-" (base64url): take such a word as the token,
    // not as an unknown option; a misspelt "--option" is still a usage error.
    .allowUnknownOption()
    .allowExcessArguments()
    .hook("preAction", (_program, cmd) => {
      const unknown = cmd.args.find((w) => w.startsWith("--"));
      if (unknown !== undefined) throw usageError(`unknown option '${unknown.split("=")[0]}'`);
      if (cmd.args.length > 1)
        throw usageError(
          `too many arguments: accept takes one link or token, got ${cmd.args.length}`,
        );
    })
    .action(lazyAct(async () => (await import("./commands/accept.ts")).accept));

  // ----------------------------------------------------------------- members
  const members = program
    .command("members")
    .description("list or remove the members of an organization");
  common(
    sortOptions(members.command("list").alias("ls").description("list members"), "members"),
  ).action(lazyAct(async () => (await import("./commands/members.ts")).membersList));
  common(
    members
      .command("remove")
      .alias("rm")
      .description("remove a member: they lose access to the organization at once")
      .argument("<id-or-email>", "the member's user id or email"),
  ).action(lazyAct(async () => (await import("./commands/members.ts")).membersRemove));

  // --------------------------------------------------------------------- log
  common(
    program
      .command("log")
      .description(
        "the change log (who did what, when); --follow streams new changes (JSON lines with --json)",
      )
      .option("--since <version>", "only changes after this version (default 0: all)")
      .option("-f, --follow", "keep printing new changes as they happen, until interrupted"),
  ).action(lazyAct(async () => (await import("./commands/log.ts")).showLog));

  // ----------------------------------------------------------------- invites
  const invites = program
    .command("invites")
    .description("list, add, resend or withdraw invitations");
  const invitesList = common(
    invites
      .command("list")
      .alias("ls")
      .description("list invitations")
      .addOption(
        new Option(
          "--status <status>",
          "only invitations with this status (default: open = pending or expired)",
        ).choices(STATUSES),
      ),
  );
  sortOptions(invitesList, "invites");
  invitesList.action(lazyAct(async () => (await import("./commands/invites.ts")).invitesList));
  common(
    invites
      .command("add")
      .description(
        "invite one person by email, or everyone in a list with --from-file (links expire after 72 hours)",
      )
      .argument("[email]", "one email address")
      .option("--role <role>", "role given on acceptance (roles: owner)", "owner")
      .option(
        "--from-file <file>",
        "invite every address in a file (- for stdin): one per line, or a CSV with an email column; one request each",
      )
      .option("--dry-run", "with --from-file: check every line with the rules, send nothing"),
  ).action(
    act(
      async (
        email: string | undefined,
        opts: import("./commands/invites-bulk.ts").BulkOptions & { fromFile?: string },
      ) => {
        if ((email === undefined) === (opts.fromFile === undefined))
          throw usageError(
            email === undefined
              ? "missing required argument 'email' (or --from-file <file>)."
              : "give either an email address or --from-file, not both.",
          );
        if (opts.dryRun && opts.fromFile === undefined)
          throw new CliError("--dry-run goes with --from-file.", EXIT.usage);
        if (opts.fromFile !== undefined) {
          const { invitesAddFromFile } = await import("./commands/invites-bulk.ts");
          await invitesAddFromFile(opts.fromFile, opts);
          return;
        }
        const { invitesAdd } = await import("./commands/invites.ts");
        await invitesAdd(email!, opts);
      },
    ),
  );
  common(
    invites
      .command("resend")
      .description(
        "send a pending or expired invitation again with a new link (the old one stops working)",
      )
      .argument("<id-or-email>", "the invitation's id or email"),
  ).action(lazyAct(async () => (await import("./commands/invites.ts")).invitesResend));
  common(
    invites
      .command("withdraw")
      .description("withdraw a pending or expired invitation: its link stops working")
      .argument("<id-or-email>", "the invitation's id or email"),
  ).action(lazyAct(async () => (await import("./commands/invites.ts")).invitesWithdraw));

  // -------------------------------------------------------------------- orgs
  const orgs = program.command("orgs").description("list your organizations or create one");
  common(orgs.command("list").alias("ls").description("list the organizations you belong to"), {
    org: false,
  }).action(lazyAct(async () => (await import("./commands/orgs.ts")).orgsList));
  common(
    orgs
      .command("create")
      .description("create an organization with you as its only owner")
      .argument("<name>", "the organization's name"),
    { org: false },
  ).action(lazyAct(async () => (await import("./commands/orgs.ts")).orgsCreate));

  // ------------------------------------------------------------------ tokens
  const tokens = program.command("tokens").description("list, create or revoke your API tokens");
  common(
    tokens
      .command("list")
      .alias("ls")
      .description("list your API tokens (never their secrets): created, last used, expiry"),
    { org: false },
  ).action(lazyAct(async () => (await import("./commands/tokens.ts")).tokensList));
  common(
    tokens
      .command("create")
      .description("create an API token (its secret is printed once, not saved)")
      .option("--description <text>", "what the token is for")
      .option(
        "--expires <when>",
        "a duration (90m, 12h, 30d, 8w) or a time (2030-01-31T00:00:00Z)",
      ),
    { org: false },
  ).action(lazyAct(async () => (await import("./commands/tokens.ts")).tokensCreate));
  common(
    tokens
      .command("revoke")
      .description("revoke one of your API tokens: it stops working at once")
      .argument("<id>", "the token's id (see roster tokens list)"),
    { org: false },
  ).action(lazyAct(async () => (await import("./commands/tokens.ts")).tokensRevoke));

  addBackupCommands(program);
  addCompletionCommand(program);

  program.allowExcessArguments(true);
  return program;
}
