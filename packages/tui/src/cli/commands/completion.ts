/** `roster completion bash|zsh|fish`, and the org names those scripts ask for. */
import type { Command } from "commander";
import { fishCompletion } from "../completion/fish.ts";
import { completionTree } from "../completion/model.ts";
import { bashCompletion, zshCompletion } from "../completion/posix.ts";
import { cliClient, resolveConfig, type CommonOptions } from "../context.ts";
import { print } from "../report.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, program: Command): string {
  const tree = completionTree(program);
  if (shell === "bash") return bashCompletion(tree);
  if (shell === "zsh") return zshCompletion(tree);
  return fishCompletion(tree);
}

/** The names of the caller's orgs, one per line; nothing when the daemon does not answer soon. */
export async function printOrgNames(opts: CommonOptions): Promise<void> {
  try {
    const config = await resolveConfig(opts);
    const client = cliClient(config.url, config.token, 1500);
    const { orgs } = await client.listOrgs();
    if (orgs.length > 0) print(orgs.map((o) => o.name.replace(/\s*\n\s*/g, " ")).join("\n"));
  } catch {
    // Completion stays quiet: no names is the answer.
  }
}
