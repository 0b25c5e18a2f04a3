/** `roster completion <shell>` and the hidden `__complete-orgs` its scripts call. */
import { Argument, type Command } from "commander";
import { act } from "./command-kit.ts";
import { ORGS_COMMAND } from "./completion/model.ts";

export function addCompletionCommand(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script (subcommands, flags, org names)")
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"]))
    .addHelpText(
      "after",
      "\nLoad it in your shell:\n" +
        "  bash   source <(roster completion bash)     (in ~/.bashrc)\n" +
        "  zsh    source <(roster completion zsh)      (in ~/.zshrc, after compinit)\n" +
        "  fish   roster completion fish | source      (in ~/.config/fish/config.fish)",
    )
    .action(async (shell: "bash" | "zsh" | "fish") => {
      const { completionScript } = await import("./commands/completion.ts");
      process.stdout.write(completionScript(shell, program));
    });

  program
    .command(ORGS_COMMAND, { hidden: true })
    .description("the names of your organizations, one per line (for completion scripts)")
    .option("--url <url>", "daemon URL")
    .action(
      act(async (opts: import("./context.ts").CommonOptions) => {
        const { printOrgNames } = await import("./commands/completion.ts");
        await printOrgNames(opts);
      }),
    );
}
