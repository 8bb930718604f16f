// The command tree as the parser holds it, for tests that must cover every command.
import type { Application, CommandContext, RouteMap } from "@stricli/core";

type Target = Application<CommandContext>["root"];

function isRouteMap(target: Target): target is RouteMap<CommandContext> {
  return "getAllEntries" in target;
}

/** Every visible command and group, as the words that name it: [] is the top level. */
export function commandPaths(target: Target, path: string[] = []): string[][] {
  if (!isRouteMap(target)) return [path];
  return [
    path,
    ...target.getAllEntries().filter((e) => !e.hidden).flatMap((e) =>
      commandPaths(e.target, [...path, e.name.original])
    ),
  ];
}

/** The subcommand names of a group, in declaration order. */
export function subcommandNames(root: Target, group: string[]): string[] {
  let target = root;
  for (const word of group) {
    if (!isRouteMap(target)) return [];
    target = target.getRoutingTargetForInput(word)!;
  }
  return isRouteMap(target) ? target.getAllEntries().map((e) => e.name.original) : [];
}

/** The long flags a command declares (kebab-case, with --). */
export function longFlags(root: Target, path: string[]): string[] {
  let target = root;
  for (const word of path) {
    if (!isRouteMap(target)) break;
    target = target.getRoutingTargetForInput(word)!;
  }
  if (isRouteMap(target)) return [];
  return Object.keys(target.parameters.flags ?? {}).map((name) =>
    `--${name.replaceAll(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
  );
}
