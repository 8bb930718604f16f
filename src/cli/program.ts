// The whole command tree, declared up front. Each action imports its module
// only when it runs, so `--help` loads no gRPC, SQLite or YAML code.
import { Command, Option } from "@commander-js/extra-typings";
import { VERSION } from "../version.ts";

const KIND_HELP = "agent | workflow | skill | mcpserver | environment (singular, plural or short)";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command("stigmer")
    .description("Declare agents and workflows, deploy them, run them. Local first.")
    .version(VERSION, "-V, --version", "print the version")
    .option("--debug", "show the causes of errors")
    .option("--no-color", "plain output without colour (also: NO_COLOR)")
    .showHelpAfterError(true)
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .exitOverride() // inherited by every subcommand: main() maps usage errors to exit 2
    .hook("preAction", async (command) => {
      const opts = command.optsWithGlobals() as { debug?: boolean; color?: boolean };
      const { setDebug } = await import("./fail.ts");
      const { setColor } = await import("./output.ts");
      if (opts.debug) setDebug(true);
      if (opts.color === false) setColor(false);
    });

  program.command("apply")
    .description("deploy the project's resources to the backend")
    .option("-d, --dir <dir>", "project directory (default: Stigmer.yaml found upward)")
    .option("-f, --file <file>", "apply only these manifest files (repeatable)", collect)
    .option("--dry-run", "validate and print the plan; start nothing, change nothing")
    .option("--org <org>", "organization (cloud mode)")
    .option("--prune", "delete this project's resources that are no longer declared")
    .option("--json", "print the result as JSON")
    .option("--no-auto-start", "fail instead of starting the local daemon")
    .action(async (opts) => (await import("./commands/apply.ts")).apply(opts));

  program.command("get")
    .description("list resources of a kind, or show one")
    .argument("<kind>", KIND_HELP)
    .argument("[name]", "name, slug or id; lists all when absent")
    .addOption(
      new Option("-o, --output <format>", "output format").choices(
        ["table", "json", "yaml"] as const,
      )
        .default("table" as const),
    )
    .option("-l, --selector <label=value>", "only resources with this label (repeatable)", collect)
    .option("--org <org>", "organization (cloud mode)")
    .option("--no-auto-start", "fail instead of starting the local daemon")
    .action(async (kind, name, opts) => (await import("./commands/get.ts")).get(kind, name, opts));

  program.command("delete")
    .description("delete a resource")
    .argument("<kind>", KIND_HELP)
    .argument("<name>", "name, slug or id")
    .option("--org <org>", "organization (cloud mode)")
    .option("--no-auto-start", "fail instead of starting the local daemon")
    .action(async (kind, name, opts) =>
      (await import("./commands/delete.ts")).deleteResource(kind, name, opts)
    );

  program.command("run")
    .description("run a workflow or an agent and follow its events")
    .argument("<target>", "workflow or agent: name, slug or id")
    .option(
      "-i, --input <key=value>",
      "an input value (repeatable; value parsed as JSON when it can be)",
      collect,
    )
    .option("--input-file <file>", "input as a JSON or YAML file")
    .option("-m, --message <message>", "the message for an agent")
    .option("--no-follow", "start and print the execution id, without following")
    .option("--json", "print events as NDJSON")
    .option("--org <org>", "organization (cloud mode)")
    .option("--no-auto-start", "fail instead of starting the local daemon")
    .action(async (target, opts) => (await import("./commands/run.ts")).run(target, opts));

  const executions = program.command("executions").alias("execution").alias("ex")
    .description("inspect and cancel executions");
  executions.command("list").description("list recent executions")
    .option("--json", "print JSON").option("--org <org>", "organization (cloud mode)")
    .option("--no-auto-start", "fail instead of starting the local daemon")
    .action(async (opts) => (await import("./commands/executions/list.ts")).list(opts));
  executions.command("get").description("show one execution, or follow its events")
    .argument("<id>", "execution id")
    .option("-f, --follow", "stream its events until it ends")
    .option("--json", "print JSON (NDJSON events with --follow)").option(
      "--org <org>",
      "organization (cloud mode)",
    )
    .option("--no-auto-start", "fail instead of starting the local daemon")
    .action(async (id, opts) => (await import("./commands/executions/get.ts")).get(id, opts));
  executions.command("cancel").description("cancel a running execution")
    .argument("<id>", "execution id")
    .option("--org <org>", "organization (cloud mode)")
    .option("--no-auto-start", "fail instead of starting the local daemon")
    .action(async (id, opts) => (await import("./commands/executions/cancel.ts")).cancel(id, opts));

  const server = program.command("server").description("manage the local backend daemon");
  server.command("start").description("start the local daemon (if it is not running)")
    .action(async () => (await import("./commands/server/start.ts")).start());
  server.command("stop").description("stop the local daemon")
    .action(async () => (await import("./commands/server/stop.ts")).stop());
  server.command("restart").description("stop and start the local daemon")
    .action(async () => (await import("./commands/server/restart.ts")).restart());
  server.command("status").description("show whether the daemon runs, and how")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./commands/server/status.ts")).status(opts));
  server.command("logs").description("print the daemon's log")
    .option("-f, --follow", "keep printing new lines")
    .option("-n, --lines <n>", "how many lines from the end", "50")
    .action(async (opts) => (await import("./commands/server/logs.ts")).logs(opts));
  server.command("run").description("run the shared backend in the foreground (cloud mode)")
    .requiredOption("--listen <host:port>", "address to serve on")
    .option("--tls-cert <file>", "PEM certificate (chain) for TLS")
    .option("--tls-key <file>", "PEM private key for TLS")
    .requiredOption("--tokens <file>", "tokens file: hashes and the orgs each may use")
    .option("--database <url>", "postgres://… (default: SQLite in --data-dir)")
    .option("--data-dir <dir>", "where the SQLite store lives (default: STIGMER_HOME/server)")
    .option("--insecure", "serve plaintext (only behind a proxy that does TLS)")
    .option(
      "--allow-local-processes",
      "let workflows start programs on this host (run: shell, script, container)",
    )
    .option("--log-level <level>", "debug | info | warn | error")
    .action(async (opts) => (await import("./commands/server/run.ts")).run(opts));
  const serverToken = server.command("token").description("tokens of the shared backend");
  serverToken.command("create").description("make a token, add its hash, print it once")
    .requiredOption("--name <name>", "a name for the token (e.g. ci-acme)")
    .requiredOption("--org <org>", "organization it may use (repeatable)", collect)
    .requiredOption("--tokens <file>", "the tokens file (created 0600 if needed)")
    .action(async (opts) => (await import("./commands/server/token.ts")).create(opts));

  program.command("init")
    .description("create a new project that applies as is")
    .argument("[name]", "project name and directory (default: the current directory)")
    .action(async (name) => (await import("./commands/init.ts")).init(name));

  program.command("login").description("log in to a shared backend and switch to cloud mode")
    .option("--endpoint <url>", "https://HOST:PORT of the backend")
    .option("--token-stdin", "read the token from standard input")
    .option("--insecure", "allow plaintext to a host that is not loopback")
    .option("--ca-file <file>", "trust this PEM CA for the backend's certificate")
    .action(async (opts) => (await import("./commands/login.ts")).login(opts));
  program.command("logout").description("forget the token and return to the local backend")
    .action(async () => (await import("./commands/logout.ts")).logout());

  const config = program.command("config").description("read and change config.yaml");
  config.command("get").description("print one setting").argument("<key>", "e.g. backend.type")
    .action(async (key) => (await import("./commands/config/get.ts")).get(key));
  config.command("set").description("change one setting")
    .argument("<key>", "e.g. backend.local.idle_timeout").argument("<value>", "the new value")
    .action(async (key, value) => (await import("./commands/config/set.ts")).set(key, value));
  config.command("unset").description("remove a setting (back to its default)")
    .argument("<key>", "e.g. backend.local.endpoint")
    .action(async (key) => (await import("./commands/config/unset.ts")).unset(key));
  config.command("list").description("print the effective settings and where each comes from")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./commands/config/list.ts")).list(opts));
  config.command("path").description("print the path of config.yaml")
    .action(async () => (await import("./commands/config/path.ts")).path());

  const backend = program.command("backend").description("show or choose the backend");
  backend.command("status").description("show the backend mode, endpoint and organization")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./commands/backend/status.ts")).status(opts));
  backend.command("use").description("switch between the local and the cloud backend")
    .argument("<type>", "local | cloud")
    .action(async (type) => (await import("./commands/backend/use.ts")).use(type));

  const context = program.command("context").description("the organization used in cloud mode");
  context.command("set").description("set the default organization")
    .requiredOption("--org <org>", "organization id")
    .action(async (opts) => (await import("./commands/context/set.ts")).set(opts));
  context.command("show").description("show the organization each mode would use")
    .action(async () => (await import("./commands/context/show.ts")).show());

  program.command("version").description("print version details")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./commands/version.ts")).version(opts));

  program.command("completions").description("print a shell completion script")
    .argument("<shell>", "bash | zsh | fish")
    .action(async (shell) => (await import("./commands/completions.ts")).completions(shell));

  return program;
}
