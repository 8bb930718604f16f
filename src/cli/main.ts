// Entry point logic: the hidden daemon command, `--version`, `version` and `--help` skip the
// command parser entirely; everything else goes through the parser (program.ts).
import { lazyImport } from "../lazy_import.ts";
import { VERSION } from "../version.ts";
import { EXIT_USAGE } from "../errors.ts";
import { DAEMON_COMMAND } from "../rpc/daemon_args.ts";

/** Completion scripts call `stigmer __complete WORD…` (see commands/completions.ts). */
export const COMPLETE_COMMAND = "__complete";

/**
 * `--debug` and `--no-color` are accepted wherever they stand (before `--`), as they always were;
 * the parser only documents them.
 */
function takeGlobalFlags(args: string[]): { debug: boolean; noColor: boolean; rest: string[] } {
  const end = args.includes("--") ? args.indexOf("--") : args.length;
  const before = args.slice(0, end);
  return {
    debug: before.includes("--debug"),
    noColor: before.includes("--no-color"),
    rest: [...before.filter((a) => a !== "--debug" && a !== "--no-color"), ...args.slice(end)],
  };
}

export async function main(args: string[]): Promise<number> {
  if (args[0] === DAEMON_COMMAND) {
    const { runDaemon } = await lazyImport<typeof import("../daemon/main.ts")>(
      "../daemon/main.ts",
      import.meta.url,
    );
    return await runDaemon(args.slice(1));
  }
  (await lazyImport<typeof import("./working_dir.ts")>("./working_dir.ts", import.meta.url))
    .enterInvocationDir();
  if (args[0] === "version" && (args.length === 1 || (args.length === 2 && args[1] === "--json"))) {
    const { version } = await lazyImport<typeof import("./commands/version.ts")>(
      "./commands/version.ts",
      import.meta.url,
    );
    version({ json: args[1] === "--json" });
    return 0;
  }
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    console.log(VERSION);
    return 0;
  }
  if (args.length === 0 || (args.length === 1 && (args[0] === "--help" || args[0] === "-h"))) {
    // The commonest help, without loading the parser: generated from it.
    const { TOP_LEVEL_HELP } = await lazyImport<typeof import("./help_text.ts")>(
      "./help_text.ts",
      import.meta.url,
    );
    (args.length === 0 ? console.error : console.log)(TOP_LEVEL_HELP.trimEnd());
    return args.length === 0 ? EXIT_USAGE : 0;
  }
  if (args[0] === COMPLETE_COMMAND) {
    const { complete } = await lazyImport<typeof import("./commands/completions.ts")>(
      "./commands/completions.ts",
      import.meta.url,
    );
    await complete(args.slice(1));
    return 0;
  }
  const { debug, noColor, rest } = takeGlobalFlags(args);
  if (debug) {
    (await lazyImport<typeof import("./fail.ts")>("./fail.ts", import.meta.url)).setDebug(true);
  }
  if (noColor) {
    (await lazyImport<typeof import("./output.ts")>("./output.ts", import.meta.url)).setColor(
      false,
    );
  }
  return await parseAndRun(rest);
}

async function parseAndRun(args: string[]): Promise<number> {
  const [{ run, ExitCode }, { buildProgram, outcome }, { routeOf, stderrContext, stdContext }] =
    await Promise.all([
      import("@stricli/core"),
      lazyImport<typeof import("./program.ts")>("./program.ts", import.meta.url),
      lazyImport<typeof import("./parse_context.ts")>("./parse_context.ts", import.meta.url),
    ]);
  const app = buildProgram();
  const route = routeOf(app.root, args);
  if (route.helpWord) {
    // `stigmer help server start` and `stigmer server help start`: that command's --help.
    args = [...route.prefix, ...route.rest, "--help"];
  } else if (route.atGroup && args.length === route.prefix.length) {
    // A group without its subcommand: its help, as a usage error.
    await run(app, [...route.prefix, "--help"], stderrContext());
    return EXIT_USAGE;
  }
  const context = stdContext();
  await run(app, args, context);
  const code = Number(context.process.exitCode ?? 0);
  if (code === ExitCode.InvalidArgument || code === ExitCode.UnknownCommand) {
    // The error is printed; the help of the command (or group) it concerns follows it.
    const help = stderrContext();
    help.process.stderr.write("\n");
    await run(app, [...routeOf(app.root, args).prefix, "--help"], help);
    return EXIT_USAGE;
  }
  if (code < 0) return 1; // the parser itself failed: not the user's doing
  return outcome.code || code;
}
