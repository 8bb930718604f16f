// `stigmer completions bash|zsh|fish`: shell completion scripts generated from
// the commander tree itself, so a new command or flag is completed at once.
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { UsageError } from "../../errors.ts";
import { SETTABLE_KEYS } from "../../config/edit.ts";
import { buildProgram } from "../program.ts";
import { writeOut } from "../output.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;

interface OptionInfo {
  long: string; // "--dir"
  short?: string; // "-d"
  description: string;
  takesValue: boolean;
  choices: string[];
}

interface CommandNode {
  /** Canonical names from the root: [] for stigmer itself, ["server", "start"] … */
  path: string[];
  /** The name and its aliases, as typed. */
  names: string[];
  description: string;
  children: CommandNode[];
  options: OptionInfo[];
  /** Known values of each positional argument (empty when free text). */
  args: string[][];
}

const HELP_OPTION: OptionInfo = {
  long: "--help",
  short: "-h",
  description: "display help for command",
  takesValue: false,
  choices: [],
};

/** "local | cloud" or "bash | zsh | fish" in an argument's help lists its values. */
function choicesFromDescription(description: string): string[] {
  const list = description.replace(/\s*\(.*\)\s*$/, "").trim();
  return /^[\w-]+( \| [\w-]+)+$/.test(list) ? list.split(" | ") : [];
}

function describeTree(command: CommandUnknownOpts, path: string[]): CommandNode {
  const options: OptionInfo[] = command.options
    .filter((o) => !o.hidden && o.long)
    .map((o) => ({
      long: o.long!,
      short: o.short,
      description: o.description,
      takesValue: o.required || o.optional,
      choices: o.argChoices ?? [],
    }));
  options.push(HELP_OPTION);
  const children = command.commands
    // deno-lint-ignore no-explicit-any
    .filter((c) => !(c as any)._hidden) // commander keeps `hidden` private
    .map((c) => describeTree(c, [...path, c.name()]));
  return {
    path,
    names: [command.name(), ...command.aliases()],
    description: command.description(),
    children,
    options,
    args: command.registeredArguments.map((a) =>
      a.argChoices ?? choicesFromDescription(a.description)
    ),
  };
}

function flatten(node: CommandNode): CommandNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

/** The tree, with `help [command]` at the top, as commander adds it implicitly. */
export function commandTree(): CommandNode {
  const root = describeTree(buildProgram() as unknown as CommandUnknownOpts, []);
  // Setting names come from the config schema, so they cannot go stale either.
  for (const node of flatten(root)) {
    if (node.path[0] === "config" && ["get", "set", "unset"].includes(node.path[1])) {
      node.args[0] = [...SETTABLE_KEYS];
    }
  }
  root.children.push({
    path: ["help"],
    names: ["help"],
    description: "display help for command",
    children: [],
    options: [],
    args: [root.children.map((c) => c.path[0])],
  });
  return root;
}

/** A value with no known choices: a path (for --file, --dir …) or free text. */
function freeValue(option: OptionInfo): "__files" | "__text" {
  return /file|dir/.test(option.long) ? "__files" : "__text";
}

// Single-quoted shell words: bash and zsh close, escape and reopen the quote.
function sq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// Fish single quotes allow \' and \\ inside.
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function key(node: CommandNode): string {
  return node.path.join(" ");
}

/** Shell `case` lines, shared by bash and zsh (the syntax is the same). */
function caseLines(
  nodes: CommandNode[],
  body: (node: CommandNode) => string | undefined,
): string[] {
  const lines: string[] = [];
  for (const node of nodes) {
    const value = body(node);
    if (value !== undefined) lines.push(`    ${sq(key(node))}) ${value} ;;`);
  }
  return lines;
}

/** Functions both bash and zsh scripts use to find where on the tree the words are. */
function posixHelpers(root: CommandNode): string {
  const nodes = flatten(root);
  const childCases = nodes.flatMap((parent) =>
    parent.children.map((child) =>
      `    ${child.names.map((n) => sq(`${key(parent)}/${n}`)).join("|")}) echo ${
        sq(child.path.at(-1)!)
      } ;;`
    )
  );
  const valueCases = nodes.flatMap((node) =>
    node.options.filter((o) => o.takesValue).map((o) =>
      `    ${[o.long, o.short].filter(Boolean).map((f) => sq(`${key(node)}/${f}`)).join("|")}) ${
        o.choices.length ? `echo ${sq(o.choices.join(" "))}` : `echo ${freeValue(o)}`
      } ;;`
    )
  );
  const argCases = nodes.flatMap((node) =>
    node.args.flatMap((choices, i) =>
      choices.length ? [`    ${sq(`${key(node)}/${i}`)}) echo ${sq(choices.join(" "))} ;;`] : []
    )
  );
  const subcommandCases = caseLines(
    nodes,
    (n) =>
      n.children.length ? `echo ${sq(n.children.map((c) => c.path.at(-1)).join(" "))}` : undefined,
  );
  const optionCases = caseLines(nodes, (n) => `echo ${sq(n.options.map((o) => o.long).join(" "))}`);
  return `# The canonical subcommand for a path and a typed word (aliases resolved).
__stigmer_child() {
  case "$1/$2" in
${childCases.join("\n")}
  esac
}

# Values for an option that takes one: its choices, __files or __text.
__stigmer_option_values() {
  case "$1/$2" in
${valueCases.join("\n")}
  esac
}

# Known values of the Nth positional argument.
__stigmer_arg_values() {
  case "$1/$2" in
${argCases.join("\n")}
  esac
}

__stigmer_subcommands() {
  case "$1" in
${subcommandCases.join("\n")}
  esac
}

__stigmer_options() {
  case "$1" in
${optionCases.join("\n")}
  esac
}

# Walks the words before the cursor: sets __stigmer_cmd (the command path),
# __stigmer_nargs (positional arguments seen) and __stigmer_pending (an option
# still waiting for its value).
__stigmer_walk() {
  local word next skip=""
  __stigmer_cmd=""
  __stigmer_nargs=0
  __stigmer_pending=""
  for word in "$@"; do
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    case "$word" in
      --*=*) continue ;;
      -*)
        if [[ -n "$(__stigmer_option_values "$__stigmer_cmd" "$word")" ]]; then skip="$word"; fi
        continue ;;
    esac
    next="$(__stigmer_child "$__stigmer_cmd" "$word")"
    if [[ -n "$next" && $__stigmer_nargs -eq 0 ]]; then
      __stigmer_cmd="\${__stigmer_cmd:+$__stigmer_cmd }$next"
    else
      __stigmer_nargs=$((__stigmer_nargs + 1))
    fi
  done
  __stigmer_pending="$skip"
}`;
}

export function bashScript(root: CommandNode = commandTree()): string {
  return `# bash completion for stigmer, generated by: stigmer completions bash
# Install: stigmer completions bash > ~/.local/share/bash-completion/completions/stigmer

${posixHelpers(root)}

_stigmer() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" values
  __stigmer_walk "\${COMP_WORDS[@]:1:COMP_CWORD-1}"
  COMPREPLY=()
  if [[ -n "$__stigmer_pending" ]]; then
    values="$(__stigmer_option_values "$__stigmer_cmd" "$__stigmer_pending")"
    if [[ "$values" == __files ]]; then
      COMPREPLY=($(compgen -f -- "$cur"))
    elif [[ "$values" != __text ]]; then
      COMPREPLY=($(compgen -W "$values" -- "$cur"))
    fi
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(__stigmer_options "$__stigmer_cmd")" -- "$cur"))
  elif [[ $__stigmer_nargs -eq 0 && -n "$(__stigmer_subcommands "$__stigmer_cmd")" ]]; then
    COMPREPLY=($(compgen -W "$(__stigmer_subcommands "$__stigmer_cmd")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(__stigmer_arg_values "$__stigmer_cmd" "$__stigmer_nargs")" -- "$cur"))
  fi
}

complete -o default -F _stigmer stigmer
`;
}

/** "name:description" entries for zsh's _describe (colons in names escaped). */
function zshDescribe(items: [string, string][]): string {
  return items.map(([name, description]) => sq(`${name.replaceAll(":", "\\:")}:${description}`))
    .join(" ");
}

export function zshScript(root: CommandNode = commandTree()): string {
  const nodes = flatten(root);
  const subcommandCases = caseLines(
    nodes,
    (n) =>
      n.children.length
        ? `entries=(${zshDescribe(n.children.map((c) => [c.path.at(-1)!, c.description]))})`
        : undefined,
  );
  const optionCases = caseLines(
    nodes,
    (n) => `entries=(${zshDescribe(n.options.map((o) => [o.long, o.description]))})`,
  );
  return `#compdef stigmer
# zsh completion for stigmer, generated by: stigmer completions zsh
# Install: stigmer completions zsh > "\${fpath[1]}/_stigmer"   (then restart zsh)

${posixHelpers(root)}

_stigmer() {
  local cur="\${words[CURRENT]}" values
  local -a entries
  __stigmer_walk "\${(@)words[2,CURRENT-1]}"
  if [[ -n "$__stigmer_pending" ]]; then
    values="$(__stigmer_option_values "$__stigmer_cmd" "$__stigmer_pending")"
    case "$values" in
      __files) _files ;;
      __text) _message 'value' ;;
      *) compadd -- \${=values} ;;
    esac
  elif [[ "$cur" == -* ]]; then
    case "$__stigmer_cmd" in
${optionCases.map((l) => `  ${l}`).join("\n")}
    esac
    _describe -t options 'option' entries
  elif [[ $__stigmer_nargs -eq 0 && -n "$(__stigmer_subcommands "$__stigmer_cmd")" ]]; then
    case "$__stigmer_cmd" in
${subcommandCases.map((l) => `  ${l}`).join("\n")}
    esac
    _describe -t commands 'stigmer command' entries
  else
    values="$(__stigmer_arg_values "$__stigmer_cmd" "$__stigmer_nargs")"
    if [[ -n "$values" ]]; then compadd -- \${=values}; else _files; fi
  fi
}

if [[ "$funcstack[1]" == _stigmer ]]; then
  _stigmer "$@"
else
  compdef _stigmer stigmer
fi
`;
}

export function fishScript(root: CommandNode = commandTree()): string {
  const nodes = flatten(root);
  const childCases = nodes.flatMap((parent) =>
    parent.children.map((child) =>
      `        case ${child.names.map((n) => fishQuote(`${key(parent)}/${n}`)).join(" ")}\n` +
      `            echo ${fishQuote(child.path.at(-1)!)}`
    )
  );
  const lines: string[] = [];
  for (const node of nodes) {
    const at = fishQuote(`__stigmer_at ${fishQuote(key(node))}`);
    for (const child of node.children) {
      lines.push(
        `complete -c stigmer -n ${at} -a ${fishQuote(child.path.at(-1)!)} -d ${
          fishQuote(child.description)
        }`,
      );
    }
    for (const option of node.options) {
      const flags = [`-l ${fishQuote(option.long.slice(2))}`];
      if (option.short) flags.push(`-s ${fishQuote(option.short.slice(1))}`);
      if (option.takesValue) {
        flags.push(
          option.choices.length
            ? `-x -a ${fishQuote(option.choices.join(" "))}`
            : freeValue(option) === "__files"
            ? "-r -F"
            : "-x",
        );
      }
      lines.push(
        `complete -c stigmer -n ${at} ${flags.join(" ")} -d ${fishQuote(option.description)}`,
      );
    }
    node.args.forEach((choices, i) => {
      if (choices.length === 0) return;
      const cond = fishQuote(`__stigmer_at ${fishQuote(key(node))} ${i}`);
      lines.push(`complete -c stigmer -n ${cond} -a ${fishQuote(choices.join(" "))}`);
    });
  }
  const takesValue = nodes.flatMap((node) =>
    node.options.filter((o) => o.takesValue).flatMap((o) =>
      [o.long, o.short].filter(Boolean).map((f) => fishQuote(`${key(node)}/${f}`))
    )
  );
  return `# fish completion for stigmer, generated by: stigmer completions fish
# Install: stigmer completions fish > ~/.config/fish/completions/stigmer.fish

function __stigmer_child
    switch "$argv[1]/$argv[2]"
${childCases.join("\n")}
    end
end

function __stigmer_takes_value
    switch "$argv[1]/$argv[2]"
        case ${takesValue.join(" ")}
            return 0
    end
    return 1
end

# Prints the number of positional arguments seen before the cursor, then the
# command path (last: fish may drop an empty line).
function __stigmer_walk
    set -l cmd ''
    set -l nargs 0
    set -l skip 0
    set -l words (commandline -opc)
    set -e words[1] # the program name
    for word in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case '--*=*'
                continue
            case '-*'
                __stigmer_takes_value "$cmd" $word; and set skip 1
                continue
        end
        set -l next (__stigmer_child "$cmd" $word)
        if test -n "$next"; and test $nargs -eq 0
            set cmd (string trim -- "$cmd $next")
        else
            set nargs (math $nargs + 1)
        end
    end
    echo $nargs
    echo $cmd
end

# True when the cursor is at command path $argv[1] (and, if given, positional argument $argv[2]).
function __stigmer_at
    set -l state (__stigmer_walk)
    test "$state[2]" = "$argv[1]"; or return 1
    if set -q argv[2]
        test "$state[1]" = "$argv[2]"
    else
        true
    end
end

complete -c stigmer -f
${lines.join("\n")}
`;
}

export function completions(shell: string): void {
  switch (shell) {
    case "bash":
      return writeOut(bashScript());
    case "zsh":
      return writeOut(zshScript());
    case "fish":
      return writeOut(fishScript());
  }
  throw new UsageError(`unknown shell "${shell}": expected one of ${SHELLS.join(", ")}`, {
    hint: "run: stigmer completions bash   (or zsh, or fish)",
  });
}
