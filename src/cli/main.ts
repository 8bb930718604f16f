// Entry point logic: the hidden daemon command, `--version`, `version` and `--help` skip the
// command parser entirely; everything else goes through commander.
import { VERSION } from "../version.ts";
import { EXIT_USAGE } from "../errors.ts";

export const DAEMON_COMMAND = "__daemon";

function isCommanderError(err: unknown): err is { code: string; exitCode: number } {
  return typeof err === "object" && err !== null && "code" in err &&
    String((err as { code: unknown }).code).startsWith("commander.");
}

export async function main(args: string[]): Promise<number> {
  if (args[0] === DAEMON_COMMAND) {
    const { runDaemon } = await import("../daemon/main.ts");
    return await runDaemon(args.slice(1));
  }
  (await import("./working_dir.ts")).enterInvocationDir();
  if (args[0] === "version" && (args.length === 1 || (args.length === 2 && args[1] === "--json"))) {
    const { version } = await import("./commands/version.ts");
    version({ json: args[1] === "--json" });
    return 0;
  }
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    console.log(VERSION);
    return 0;
  }
  if (args.length === 0 || (args.length === 1 && (args[0] === "--help" || args[0] === "-h"))) {
    // The commonest help, without loading the parser: generated from it.
    const { TOP_LEVEL_HELP } = await import("./help_text.ts");
    (args.length === 0 ? console.error : console.log)(TOP_LEVEL_HELP.trimEnd());
    return args.length === 0 ? EXIT_USAGE : 0;
  }
  const { buildProgram } = await import("./program.ts");
  try {
    await buildProgram().parseAsync(args, { from: "user" });
    return 0;
  } catch (err) {
    if (isCommanderError(err)) {
      // Help and version exit 0; every other parser error is a usage error,
      // including help shown because a group was given no subcommand.
      if (["commander.helpDisplayed", "commander.version"].includes(err.code)) return 0;
      if (err.code === "commander.help") return err.exitCode === 0 ? 0 : EXIT_USAGE;
      return EXIT_USAGE;
    }
    const { reportError } = await import("./fail.ts");
    return reportError(err);
  }
}
