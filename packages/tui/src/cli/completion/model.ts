/**
 * What shell completion knows, read from commander's own command tree (never
 * a hand-kept list): for each command path, its subcommands and its options,
 * and what an option's value is (a choice, an org name, a directory).
 */
import type { Command } from "commander";

export type ValueKind =
  | { kind: "none" }
  | { kind: "any" }
  | { kind: "choices"; choices: readonly string[] }
  /** Org names, asked of the daemon by `roster __complete-orgs`. */
  | { kind: "org" }
  | { kind: "dir" };

export interface OptionSpec {
  /** `-f`, `--follow`. */
  flags: string[];
  value: ValueKind;
  description: string;
}

export interface SubcommandSpec {
  name: string;
  aliases: string[];
  description: string;
}

export interface CommandNode {
  /** Subcommand names from the program down, space-separated; "" for `roster` itself. */
  path: string;
  subcommands: SubcommandSpec[];
  /** The values the command's first argument may take (`completion <shell>`). */
  argumentChoices: SubcommandSpec[];
  options: OptionSpec[];
}

/** The hidden command that prints org names for completion, one per line. */
export const ORGS_COMMAND = "__complete-orgs";

function valueOf(long: string | undefined, takesValue: boolean, choices?: string[]): ValueKind {
  if (!takesValue) return { kind: "none" };
  if (choices && choices.length > 0) return { kind: "choices", choices };
  if (long === "--org") return { kind: "org" };
  if (long === "--data-dir") return { kind: "dir" };
  return { kind: "any" };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

export function completionTree(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  const visit = (cmd: Command, path: string) => {
    const help = cmd.createHelp();
    const subs = help.visibleCommands(cmd).filter((c) => c.name() !== "help" || path === "");
    nodes.push({
      path,
      subcommands: subs.map((c) => ({
        name: c.name(),
        aliases: c.aliases(),
        description: firstLine(c.description()),
      })),
      argumentChoices: (cmd.registeredArguments[0]?.argChoices ?? []).map((name) => ({
        name,
        aliases: [],
        description: cmd.registeredArguments[0]?.description ?? "",
      })),
      options: help.visibleOptions(cmd).map((o) => ({
        flags: [o.short, o.long].filter((f): f is string => f !== undefined),
        value: valueOf(o.long, o.required || o.optional, o.argChoices),
        description: firstLine(o.description),
      })),
    });
    for (const c of cmd.commands) {
      if (subs.includes(c)) visit(c, path === "" ? c.name() : `${path} ${c.name()}`);
    }
  };
  visit(program, "");
  return nodes;
}

/** `'text'` for bash and zsh. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
