/**
 * `roster completion bash|zsh`: the command tree as shell functions both
 * shells run (case tables and a walk over the words typed so far), then each
 * shell's own entry point: bash fills COMPREPLY with compgen, zsh offers the
 * same words with their descriptions (_describe).
 */
import { ORGS_COMMAND, shQuote, type CommandNode, type ValueKind } from "./model.ts";

function kindWord(v: ValueKind): string {
  return v.kind === "choices" ? `choices:${v.choices.join(" ")}` : v.kind;
}

/** `case "$1|$2" in …` over the pairs given; `body` is what each case does. */
function caseTable(fn: string, rows: [string, string][], fallback: string): string {
  const cases = rows.map(([key, body]) => `    ${shQuote(key)}) ${body} ;;`);
  return [`${fn}() {`, '  case "$1|$2" in', ...cases, `    *) ${fallback} ;;`, "  esac", "}"].join(
    "\n",
  );
}

function listTable(fn: string, rows: [string, string[]][]): string {
  const cases = rows
    .filter(([, lines]) => lines.length > 0)
    .map(
      ([path, lines]) => `    ${shQuote(path)}) printf '%s\\n' ${lines.map(shQuote).join(" ")} ;;`,
    );
  return [`${fn}() {`, '  case "$1" in', ...cases, "  esac", "}"].join("\n");
}

/** The functions both shells share. */
export function posixTables(tree: readonly CommandNode[]): string {
  const next: [string, string][] = [];
  const valued: [string, string][] = [];
  for (const node of tree) {
    const prefix = node.path === "" ? "" : `${node.path} `;
    for (const sub of node.subcommands)
      for (const word of [sub.name, ...sub.aliases])
        next.push([`${node.path}|${word}`, `printf '%s' ${shQuote(prefix + sub.name)}`]);
    for (const opt of node.options)
      if (opt.value.kind !== "none")
        for (const flag of opt.flags)
          valued.push([`${node.path}|${flag}`, `printf '%s' ${shQuote(kindWord(opt.value))}`]);
  }
  const subs = tree.map((n): [string, string[]] => [
    n.path,
    [...n.subcommands, ...n.argumentChoices].map((s) => `${s.name}\t${s.description}`),
  ]);
  const opts = tree.map((n): [string, string[]] => [
    n.path,
    n.options.flatMap((o) => o.flags.map((f) => `${f}\t${o.description}`)),
  ]);
  return [
    "# Which subcommand a word names at a command path (aliases too).\n" +
      caseTable("_roster_next", next, "return 1"),
    "# What the value of an option is: none when it takes none.\n" +
      caseTable("_roster_value_kind", valued, "return 1"),
    "# Subcommands (and argument values) and options at a command path, one per line:\n" +
      "# word<TAB>description.\n" +
      listTable("_roster_subs", subs),
    listTable("_roster_opts", opts),
    `# The command path the words typed so far lead to (option values skipped).
_roster_path() {
  local at="" skip=0 word step
  for word in "$@"; do
    if [[ $skip == 1 ]]; then skip=0; continue; fi
    case "$word" in
      --*=*) continue ;;
      -*) _roster_value_kind "$at" "$word" >/dev/null && skip=1; continue ;;
    esac
    step="$(_roster_next "$at" "$word")" && at="$step"
  done
  printf '%s' "$at"
}`,
  ].join("\n\n");
}

export function bashCompletion(tree: readonly CommandNode[]): string {
  return `# roster completion for bash. Load it with:  source <(roster completion bash)
# (or save it as ~/.local/share/bash-completion/completions/roster)

${posixTables(tree)}

_roster_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" at kind name
  (( COMP_CWORD > 1 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  at="$(_roster_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  COMPREPLY=()
  if [[ "$prev" == -* ]] && kind="$(_roster_value_kind "$at" "$prev")"; then
    case "$kind" in
      org)
        while IFS= read -r name; do
          [[ -n "$name" && "$name" == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
        done < <("\${COMP_WORDS[0]}" ${ORGS_COMMAND} 2>/dev/null) ;;
      dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
      choices:*) mapfile -t COMPREPLY < <(compgen -W "\${kind#choices:}" -- "$cur") ;;
    esac
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_roster_opts "$at" | cut -f1)" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_roster_subs "$at" | cut -f1)" -- "$cur")
  fi
}

complete -F _roster_complete roster
`;
}

export function zshCompletion(tree: readonly CommandNode[]): string {
  return `#compdef roster
# roster completion for zsh. Load it with:  source <(roster completion zsh)
# (or save it as _roster in a directory of your $fpath)

${posixTables(tree)}

_roster() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" at kind
  local -a items
  at="$(_roster_path "\${(@)words[2,CURRENT-1]}")"
  if (( CURRENT > 2 )) && [[ "$prev" == -* ]] && kind="$(_roster_value_kind "$at" "$prev")"; then
    case "$kind" in
      org) items=("\${(@f)$("\${words[1]}" ${ORGS_COMMAND} 2>/dev/null)}"); compadd -a items ;;
      dir) _directories ;;
      choices:*) items=(\${=kind#choices:}); compadd -a items ;;
      *) _default ;;
    esac
    return
  fi
  if [[ "$cur" == -* ]]; then
    items=("\${(@f)$(_roster_opts "$at")}")
    items=("\${(@)items/$'\\t'/:}")
    _describe -t options option items
  else
    items=("\${(@f)$(_roster_subs "$at")}")
    items=("\${(@)items/$'\\t'/:}")
    _describe -t commands command items
  fi
}

if [[ "\${funcstack[1]}" == _roster ]]; then
  _roster "$@"
else
  compdef _roster roster
fi
`;
}
