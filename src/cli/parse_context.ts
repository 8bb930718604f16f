// What main.ts needs around the parser: where on the command tree a command line points (for
// the help that follows a usage error, `help <command>` and groups given no subcommand), and
// the streams the parser writes its help and errors to.
import type { Application, ApplicationContext, CommandContext, RouteMap } from "@stricli/core";

type Target = Application<CommandContext>["root"];

const encoder = new TextEncoder();

function stream(file: { writeSync(bytes: Uint8Array): number }) {
  return { write: (text: string) => void file.writeSync(encoder.encode(text)) };
}

/** Help on stdout, errors on stderr. */
export function stdContext(): ApplicationContext & { process: { exitCode?: unknown } } {
  return { process: { stdout: stream(Deno.stdout), stderr: stream(Deno.stderr) } };
}

/** Everything on stderr: help printed because of a usage error is not data. */
export function stderrContext(): ApplicationContext & { process: { exitCode?: unknown } } {
  return { process: { stdout: stream(Deno.stderr), stderr: stream(Deno.stderr) } };
}

export interface Route {
  /** The command names typed, canonical (aliases resolved): [] for the top level. */
  prefix: string[];
  /** True when the words stop at a group (a route map): no command, no unknown word. */
  atGroup: boolean;
  /** True when the word `help` stood where a command name was expected. */
  helpWord: boolean;
  /** The words after the last command name (or after `help`). */
  rest: string[];
}

function isRouteMap(target: Target): target is RouteMap<CommandContext> {
  return "getAllEntries" in target;
}

/** Follows command names through the tree; flags are skipped, the first other word stops it. */
export function routeOf(root: Target, args: string[]): Route {
  const prefix: string[] = [];
  let target = root;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (!isRouteMap(target)) {
      return { prefix, atGroup: false, helpWord: false, rest: args.slice(i) };
    }
    if (word.startsWith("-")) continue;
    const next = target.getRoutingTargetForInput(word);
    if (!next) {
      const helpWord = word === "help";
      return { prefix, atGroup: false, helpWord, rest: args.slice(i + 1) };
    }
    const entry = target.getAllEntries().find((e) => e.target === next);
    prefix.push(entry?.name.original ?? word);
    target = next;
  }
  return { prefix, atGroup: isRouteMap(target), helpWord: false, rest: [] };
}
