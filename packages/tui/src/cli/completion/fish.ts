/**
 * `roster completion fish`: a `complete` line for each subcommand and option
 * of the command tree, each guarded by the command path typed so far
 * (__roster_at, a walk over the words like the bash and zsh scripts').
 */
import { ORGS_COMMAND, type CommandNode, type OptionSpec } from "./model.ts";

function fq(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function switchTable(fn: string, rows: [string, string][]): string {
  const cases = rows.map(([key, body]) => `        case ${fq(key)}\n            ${body}`);
  return [
    `function ${fn}`,
    '    switch "$argv[1]|$argv[2]"',
    ...cases,
    "        case '*'",
    "            return 1",
    "    end",
    "end",
  ].join("\n");
}

/** A word offered at `path`: a subcommand or an argument's value. */
function wordLine(path: string, word: string, description: string): string {
  return `complete -c roster -n ${fq(`__roster_at ${fq(path)}`)} -a ${fq(word)} -d ${fq(description)}`;
}

function optionLine(path: string, o: OptionSpec): string {
  const parts = ["complete -c roster", `-n ${fq(`__roster_at ${fq(path)}`)}`];
  for (const f of o.flags) parts.push(f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
  const v = o.value;
  if (v.kind === "choices") parts.push("-x", `-a ${fq(v.choices.join(" "))}`);
  else if (v.kind === "org") parts.push("-x", "-a '(__roster_orgs)'");
  else if (v.kind === "dir") parts.push("-x", "-a '(__fish_complete_directories)'");
  else if (v.kind === "any") parts.push("-r");
  if (o.description) parts.push(`-d ${fq(o.description)}`);
  return parts.join(" ");
}

export function fishCompletion(tree: readonly CommandNode[]): string {
  const next: [string, string][] = [];
  const valued: [string, string][] = [];
  const lines: string[] = [];
  for (const node of tree) {
    const prefix = node.path === "" ? "" : `${node.path} `;
    for (const sub of node.subcommands) {
      for (const word of [sub.name, ...sub.aliases])
        next.push([`${node.path}|${word}`, `echo ${fq(prefix + sub.name)}`]);
      lines.push(wordLine(node.path, sub.name, sub.description));
    }
    for (const choice of node.argumentChoices)
      lines.push(wordLine(node.path, choice.name, choice.description));
    for (const opt of node.options) {
      if (opt.value.kind !== "none")
        for (const flag of opt.flags) valued.push([`${node.path}|${flag}`, "return 0"]);
      lines.push(optionLine(node.path, opt));
    }
  }
  return `# roster completion for fish. Load it with:  roster completion fish | source
# (or save it as ~/.config/fish/completions/roster.fish)

${switchTable("__roster_next", next)}

${switchTable("__roster_takes_value", valued)}

# True when the words typed so far lead to the command path $argv[1].
function __roster_at
    set -l words (commandline -opc)
    set -e words[1]
    set -l at ''
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
                continue
            case '-*'
                __roster_takes_value "$at" $w; and set skip 1
                continue
        end
        set -l step (__roster_next "$at" $w); and set at $step
    end
    test "$at" = "$argv[1]"
end

function __roster_orgs
    set -l cmd (commandline -opc)[1]
    $cmd ${ORGS_COMMAND} 2>/dev/null
end

complete -c roster -f
${lines.join("\n")}
`;
}
