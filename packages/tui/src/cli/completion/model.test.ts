import { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../program.ts";
import { completionTree } from "./model.ts";

describe("completionTree", () => {
  it("is read from commander's tree: a command added there is completed, hidden ones are not", () => {
    const program = new Command("roster").option("--org <id-or-name>", "the org");
    const tools = program.command("tools").alias("t").description("tools\nmore text");
    tools
      .command("sharpen")
      .addOption(new Option("--grit <n>", "grit").choices(["fine", "coarse"]))
      .option("-q, --quiet", "say less")
      .option("--data-dir <dir>", "where");
    program.command("secret", { hidden: true });
    const tree = completionTree(program);
    const root = tree.find((n) => n.path === "")!;
    // commander's own `help [command]` is offered at the top.
    expect(root.subcommands.map((s) => s.name)).toEqual(["tools", "help"]);
    expect(root.subcommands[0]).toEqual({ name: "tools", aliases: ["t"], description: "tools" });
    expect(root.options.find((o) => o.flags.includes("--org"))?.value).toEqual({ kind: "org" });
    const sharpen = tree.find((n) => n.path === "tools sharpen")!;
    expect(sharpen.options.map((o) => o.flags)).toEqual([
      ["--grit"],
      ["-q", "--quiet"],
      ["--data-dir"],
      ["-h", "--help"],
    ]);
    expect(sharpen.options.map((o) => o.value.kind)).toEqual(["choices", "none", "dir", "none"]);
  });

  it("covers every visible command of roster itself", () => {
    const program = buildProgram();
    const paths = completionTree(program).map((n) => n.path);
    const walk = (cmd: Command, prefix: string): string[] =>
      cmd.commands.flatMap((c) => {
        const p = prefix === "" ? c.name() : `${prefix} ${c.name()}`;
        return [p, ...walk(c, p)];
      });
    const visible = walk(program, "").filter((p) => p !== "__complete-orgs");
    expect(paths.slice(1).sort()).toEqual(visible.sort());
    expect(paths).toContain("daemon stop");
    expect(paths).not.toContain("__complete-orgs");
  });
});
