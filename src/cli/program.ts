// The whole command tree, declared up front. Each command's loader imports its module only when
// it runs, so `--help` loads no gRPC, SQLite or YAML code.
//
// The parser is @stricli/core: plain ESM that imports no `node:` module, typed flags and
// arguments, help for every route, "did you mean" for commands, flags and choices, and the
// completion engine behind `stigmer completions`. Measured against an empty `deno run` with the
// same flags (CPU time, same run; BENCHMARKS.md): stricli 1.18×, gunshi 1.12× (no nested commands,
// no completions available), @optique/core 2.09× (1.1 MB of modules: slower to load than
// commander's 1.83×, which is why the richer generated completion scripts were not worth it).
import { lazyImport } from "../lazy_import.ts";
import {
  type Application,
  buildApplication,
  buildCommand,
  buildRouteMap,
  type CommandContext,
  help,
  type StricliIntegration,
  text_en,
  version,
} from "@stricli/core";
import { VERSION } from "../version.ts";
import type { ApplyOptions } from "./commands/apply.ts";
import type { GetOptions } from "./commands/get.ts";
import type { RunOptions } from "./commands/run.ts";
import type { ServerRunOptions } from "./commands/server/run.ts";
import type { LoginOptions } from "./commands/login.ts";
import type { ExecutionListOptions } from "./commands/executions/list.ts";
import type { EmitOptions } from "./commands/events.ts";
import type { UiOptions } from "./commands/ui.ts";

export const NAME = "stigmer";

/** The exit code of the command that ran; its errors are reported where they are caught. */
export const outcome = { code: 0 };

type Format = "table" | "json" | "yaml";
type None = Record<never, never>;
type Json = { json?: boolean };
type Remote = { org?: string; autoStart: boolean };
type ApplyFlags = Omit<ApplyOptions, "autoStart"> & Remote;
type GetFlags = Omit<GetOptions, "autoStart"> & Remote;
type RunFlags = Omit<RunOptions, "autoStart" | "follow"> & Remote & { follow: boolean };
type ExecutionListFlags = Omit<ExecutionListOptions, "autoStart" | "output"> & Remote & {
  output: Format;
};

type Action<F, A extends unknown[]> = (flags: F, ...args: A) => void | Promise<void>;

/**
 * Runs a command's function and reports its error the CLI's way (fail.ts): one `error:` line,
 * a hint, the exit code of the error. Stricli would print the stack instead.
 */
function reported<F, A extends unknown[]>(
  load: () => Promise<Action<F, A>>,
): () => Promise<(flags: F, ...args: A) => Promise<void>> {
  return () =>
    Promise.resolve(async (flags: F, ...args: A) => {
      try {
        const action = await load();
        await action(flags, ...args);
      } catch (err) {
        const { reportError } = await lazyImport<typeof import("./fail.ts")>(
          "./fail.ts",
          import.meta.url,
        );
        outcome.code = reportError(err);
      }
    });
}

const KIND_HELP = "agent | workflow | skill | mcpserver | environment (singular, plural or short)";
export const KINDS = ["agent", "workflow", "skill", "mcpserver", "environment"];
export const SHELLS = ["bash", "zsh", "fish"] as const;

const text = { parse: String, optional: true } as const;
const org = {
  kind: "parsed",
  ...text,
  brief: "organization (cloud mode)",
  placeholder: "org",
} as const;
/** A flag that is off unless given: no `--no-…` form. */
const flag = { kind: "boolean", optional: true, withNegated: false } as const;
const json = { ...flag, brief: "print JSON" } as const;
const autoStart = {
  kind: "boolean",
  default: true,
  brief: "start the local daemon when it is not running",
} as const;
const outputFormat = {
  kind: "enum",
  values: ["table", "json", "yaml"],
  default: "table",
  brief: "output format",
} as const;

function withValues(values: readonly string[]) {
  return { proposeCompletions: () => values };
}

const apply = buildCommand<ApplyFlags, []>({
  loader: reported(async () => {
    const { apply } = await lazyImport<typeof import("./commands/apply.ts")>(
      "./commands/apply.ts",
      import.meta.url,
    );
    return (opts: ApplyOptions) => apply(opts);
  }),
  parameters: {
    flags: {
      dir: {
        kind: "parsed",
        ...text,
        brief: "project directory (default: Stigmer.yaml found upward)",
        placeholder: "dir",
      },
      file: {
        kind: "parsed",
        parse: String,
        optional: true,
        variadic: true,
        brief: "apply only these manifest files (repeatable)",
        placeholder: "file",
      },
      dryRun: {
        ...flag,
        brief: "validate and print the plan; start nothing, change nothing",
      },
      org,
      prune: {
        ...flag,
        brief: "delete this project's resources that are no longer declared",
      },
      json: { ...json, brief: "print the result as JSON" },
      autoStart,
    },
    aliases: { d: "dir", f: "file" },
  },
  docs: { brief: "deploy the project's resources to the backend" },
});

const get = buildCommand<GetFlags, [string, string | undefined]>({
  loader: reported(async () => {
    const { get } = await lazyImport<typeof import("./commands/get.ts")>(
      "./commands/get.ts",
      import.meta.url,
    );
    return (opts: GetOptions, kind: string, name?: string) => get(kind, name, opts);
  }),
  parameters: {
    flags: {
      output: outputFormat,
      selector: {
        kind: "parsed",
        parse: String,
        optional: true,
        variadic: true,
        brief: "only resources with this label (repeatable)",
        placeholder: "label=value",
      },
      org,
      autoStart,
    },
    aliases: { o: "output", l: "selector" },
    positional: {
      kind: "tuple",
      parameters: [
        { parse: String, brief: KIND_HELP, placeholder: "kind", ...withValues(KINDS) },
        { ...text, brief: "name, slug or id; lists all when absent", placeholder: "name" },
      ],
    },
  },
  docs: { brief: "list resources of a kind, or show one" },
});

const deleteCommand = buildCommand<Remote, [string, string]>({
  loader: reported(async () => {
    const { deleteResource } = await lazyImport<typeof import("./commands/delete.ts")>(
      "./commands/delete.ts",
      import.meta.url,
    );
    return (opts: { org?: string; autoStart: boolean }, kind: string, name: string) =>
      deleteResource(kind, name, opts);
  }),
  parameters: {
    flags: { org, autoStart },
    positional: {
      kind: "tuple",
      parameters: [
        { parse: String, brief: KIND_HELP, placeholder: "kind", ...withValues(KINDS) },
        { parse: String, brief: "name, slug or id", placeholder: "name" },
      ],
    },
  },
  docs: { brief: "delete a resource" },
});

const run = buildCommand<RunFlags, [string]>({
  loader: reported(async () => {
    const { run } = await lazyImport<typeof import("./commands/run.ts")>(
      "./commands/run.ts",
      import.meta.url,
    );
    return (opts: RunOptions, target: string) => run(target, opts);
  }),
  parameters: {
    flags: {
      input: {
        kind: "parsed",
        parse: String,
        optional: true,
        variadic: true,
        brief: "an input value (repeatable; value parsed as JSON when it can be)",
        placeholder: "key=value",
      },
      inputFile: {
        kind: "parsed",
        ...text,
        brief: "input as a JSON or YAML file",
        placeholder: "file",
      },
      message: {
        kind: "parsed",
        ...text,
        brief: "the message for an agent",
        placeholder: "message",
      },
      session: {
        kind: "parsed",
        ...text,
        brief: "continue this agent conversation (created when new)",
        placeholder: "name",
      },
      follow: {
        kind: "boolean",
        default: true,
        brief: "follow the execution's events (--no-follow: print its id and return)",
      },
      json: { ...json, brief: "print events as NDJSON" },
      org,
      autoStart,
    },
    aliases: { i: "input", m: "message", s: "session" },
    positional: {
      kind: "tuple",
      parameters: [{
        parse: String,
        brief: "workflow or agent: name, slug or id",
        placeholder: "target",
      }],
    },
  },
  docs: { brief: "run a workflow or an agent and follow its events" },
});

const executionId = {
  kind: "tuple",
  parameters: [{ parse: String, brief: "execution id", placeholder: "id" }],
} as const;

const executions = buildRouteMap({
  routes: {
    list: buildCommand<ExecutionListFlags, []>({
      loader: reported(async () => {
        const { list } = await lazyImport<typeof import("./commands/executions/list.ts")>(
          "./commands/executions/list.ts",
          import.meta.url,
        );
        return (opts: ExecutionListOptions) => list(opts);
      }),
      parameters: {
        flags: {
          output: outputFormat,
          json: { ...json, brief: "print JSON (same as -o json)" },
          org,
          autoStart,
        },
        aliases: { o: "output" },
      },
      docs: { brief: "list recent executions" },
    }),
    get: buildCommand<Remote & { follow?: boolean; json?: boolean; output: Format }, [string]>({
      loader: reported(async () => {
        const { get } = await lazyImport<typeof import("./commands/executions/get.ts")>(
          "./commands/executions/get.ts",
          import.meta.url,
        );
        return (
          opts: {
            json?: boolean;
            output: Format;
            follow?: boolean;
            org?: string;
            autoStart: boolean;
          },
          id: string,
        ) => get(id, opts);
      }),
      parameters: {
        flags: {
          follow: { ...flag, brief: "stream its events until it ends" },
          output: outputFormat,
          json: { ...json, brief: "print JSON, same as -o json (NDJSON events with --follow)" },
          org,
          autoStart,
        },
        aliases: { f: "follow", o: "output" },
        positional: executionId,
      },
      docs: { brief: "show one execution, or follow its events" },
    }),
    cancel: buildCommand<Remote, [string]>({
      loader: reported(async () => {
        const { cancel } = await lazyImport<typeof import("./commands/executions/cancel.ts")>(
          "./commands/executions/cancel.ts",
          import.meta.url,
        );
        return (opts: { org?: string; autoStart: boolean }, id: string) => cancel(id, opts);
      }),
      parameters: { flags: { org, autoStart }, positional: executionId },
      docs: { brief: "cancel a running execution" },
    }),
  },
  docs: { brief: "inspect and cancel executions" },
});

const events = buildRouteMap({
  routes: {
    emit: buildCommand<Omit<EmitOptions, "autoStart"> & Remote, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/events.ts")>(
          "./commands/events.ts",
          import.meta.url,
        )).emit
      ),
      parameters: {
        flags: {
          type: { kind: "parsed", parse: String, brief: "the event's type", placeholder: "type" },
          source: {
            kind: "parsed",
            parse: String,
            brief: "the event's source (a URI)",
            placeholder: "uri",
          },
          data: { kind: "parsed", ...text, brief: "the event's data (JSON)", placeholder: "json" },
          subject: { kind: "parsed", ...text, brief: "the event's subject", placeholder: "text" },
          id: { kind: "parsed", ...text, brief: "the event's id (default: a new one)" },
          json,
          org,
          autoStart,
        },
      },
      docs: { brief: "publish a CloudEvent to the listening runs and schedules" },
    }),
  },
  docs: { brief: "publish events to workflows that listen" },
});

const noArguments = {} as const;

const ui = buildCommand<UiOptions, []>({
  loader: reported(async () =>
    (await lazyImport<typeof import("./commands/ui.ts")>("./commands/ui.ts", import.meta.url)).ui
  ),
  parameters: {
    flags: {
      open: {
        kind: "boolean",
        default: true,
        brief: "open the browser (--no-open: only print the link)",
      },
      autoStart,
    },
  },
  docs: { brief: "see runs in the browser: the local daemon's run viewer" },
});

const server = buildRouteMap({
  routes: {
    start: buildCommand({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/server/start.ts")>(
          "./commands/server/start.ts",
          import.meta.url,
        )).start
      ),
      parameters: noArguments,
      docs: { brief: "start the local daemon (if it is not running)" },
    }),
    stop: buildCommand({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/server/stop.ts")>(
          "./commands/server/stop.ts",
          import.meta.url,
        )).stop
      ),
      parameters: noArguments,
      docs: { brief: "stop the local daemon" },
    }),
    restart: buildCommand({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/server/restart.ts")>(
          "./commands/server/restart.ts",
          import.meta.url,
        )).restart
      ),
      parameters: noArguments,
      docs: { brief: "stop and start the local daemon" },
    }),
    status: buildCommand<Json, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/server/status.ts")>(
          "./commands/server/status.ts",
          import.meta.url,
        )).status
      ),
      parameters: { flags: { json } },
      docs: { brief: "show whether the daemon runs, and how" },
    }),
    logs: buildCommand<{ follow?: boolean; lines: string }, []>({
      loader: reported(async () => {
        const { logs } = await lazyImport<typeof import("./commands/server/logs.ts")>(
          "./commands/server/logs.ts",
          import.meta.url,
        );
        return (opts: { follow?: boolean; lines: string }) => logs(opts);
      }),
      parameters: {
        flags: {
          follow: { ...flag, brief: "keep printing new lines" },
          lines: {
            kind: "parsed",
            parse: String,
            default: "50",
            brief: "how many lines from the end",
            placeholder: "n",
          },
        },
        aliases: { f: "follow", n: "lines" },
      },
      docs: { brief: "print the daemon's log" },
    }),
    run: buildCommand<ServerRunOptions, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/server/run.ts")>(
          "./commands/server/run.ts",
          import.meta.url,
        )).run
      ),
      parameters: {
        flags: {
          listen: {
            kind: "parsed",
            parse: String,
            brief: "address to serve on",
            placeholder: "host:port",
          },
          tlsCert: {
            kind: "parsed",
            ...text,
            brief: "PEM certificate (chain) for TLS",
            placeholder: "file",
          },
          tlsKey: {
            kind: "parsed",
            ...text,
            brief: "PEM private key for TLS",
            placeholder: "file",
          },
          tokens: {
            kind: "parsed",
            parse: String,
            brief: "tokens file: hashes and the orgs each may use",
            placeholder: "file",
          },
          database: {
            kind: "parsed",
            ...text,
            brief: "postgres://… (default: SQLite in --data-dir)",
            placeholder: "url",
          },
          dataDir: {
            kind: "parsed",
            ...text,
            brief: "where the SQLite store lives (default: STIGMER_HOME/server)",
            placeholder: "dir",
          },
          insecure: {
            ...flag,
            brief: "serve plaintext (only behind a proxy that does TLS)",
          },
          allowLocalProcesses: {
            ...flag,
            brief:
              "let tenants' agents and workflows start local programs (stdio MCP servers, run)",
          },
          logLevel: {
            kind: "parsed",
            ...text,
            brief: "debug | info | warn | error",
            placeholder: "level",
            ...withValues(["debug", "info", "warn", "error"]),
          },
        },
      },
      docs: { brief: "run the shared backend in the foreground (cloud mode)" },
    }),
    token: buildRouteMap({
      routes: {
        create: buildCommand<{ name: string; org: string[]; tokens: string }, []>({
          loader: reported(async () =>
            (await lazyImport<typeof import("./commands/server/token.ts")>(
              "./commands/server/token.ts",
              import.meta.url,
            )).create
          ),
          parameters: {
            flags: {
              name: {
                kind: "parsed",
                parse: String,
                brief: "a name for the token (e.g. ci-acme)",
                placeholder: "name",
              },
              org: {
                kind: "parsed",
                parse: String,
                variadic: true,
                brief: "organization it may use (repeatable)",
                placeholder: "org",
              },
              tokens: {
                kind: "parsed",
                parse: String,
                brief: "the tokens file (created 0600 if needed)",
                placeholder: "file",
              },
            },
          },
          docs: { brief: "make a token, add its hash, print it once" },
        }),
      },
      docs: { brief: "tokens of the shared backend" },
    }),
  },
  docs: { brief: "manage the local backend daemon" },
});

const init = buildCommand<None, [string | undefined]>({
  loader: reported(async () => {
    const { init } = await lazyImport<typeof import("./commands/init.ts")>(
      "./commands/init.ts",
      import.meta.url,
    );
    return (_opts: Record<never, never>, name?: string) => init(name);
  }),
  parameters: {
    positional: {
      kind: "tuple",
      parameters: [{
        ...text,
        brief: "project name and directory (default: the current directory)",
        placeholder: "name",
      }],
    },
  },
  docs: { brief: "create a new project that applies as is" },
});

const login = buildCommand<LoginOptions, []>({
  loader: reported(async () =>
    (await lazyImport<typeof import("./commands/login.ts")>("./commands/login.ts", import.meta.url))
      .login as Action<LoginOptions, []>
  ),
  parameters: {
    flags: {
      endpoint: {
        kind: "parsed",
        ...text,
        brief: "https://HOST:PORT of the backend",
        placeholder: "url",
      },
      tokenStdin: { ...flag, brief: "read the token from standard input" },
      insecure: {
        ...flag,
        brief: "allow plaintext to a host that is not loopback",
      },
      caFile: {
        kind: "parsed",
        ...text,
        brief: "trust this PEM CA for the backend's certificate",
        placeholder: "file",
      },
    },
  },
  docs: { brief: "log in to a shared backend and switch to cloud mode" },
});

const logout = buildCommand({
  loader: reported(async () =>
    (await lazyImport<typeof import("./commands/logout.ts")>(
      "./commands/logout.ts",
      import.meta.url,
    )).logout
  ),
  parameters: noArguments,
  docs: { brief: "forget the token and return to the local backend" },
});

/** Setting names complete from the config schema, loaded only when completing. */
const settingKey = {
  parse: String,
  placeholder: "key",
  async proposeCompletions() {
    const { SETTABLE_KEYS } = await lazyImport<typeof import("../config/edit.ts")>(
      "../config/edit.ts",
      import.meta.url,
    );
    return [...SETTABLE_KEYS];
  },
} as const;

function keyOnly(load: () => Promise<(key: string) => void | Promise<void>>, example: string) {
  return {
    loader: reported(async () => {
      const action = await load();
      return (_opts: Record<never, never>, key: string) => action(key);
    }),
    parameters: {
      positional: { kind: "tuple", parameters: [{ ...settingKey, brief: `e.g. ${example}` }] },
    },
  } as const;
}

const config = buildRouteMap({
  routes: {
    get: buildCommand<None, [string]>({
      ...keyOnly(
        async () =>
          (await lazyImport<typeof import("./commands/config/get.ts")>(
            "./commands/config/get.ts",
            import.meta.url,
          )).get,
        "backend.type",
      ),
      docs: { brief: "print one setting" },
    }),
    set: buildCommand<None, [string, string]>({
      loader: reported(async () => {
        const { set } = await lazyImport<typeof import("./commands/config/set.ts")>(
          "./commands/config/set.ts",
          import.meta.url,
        );
        return (_opts: Record<never, never>, key: string, value: string) => set(key, value);
      }),
      parameters: {
        positional: {
          kind: "tuple",
          parameters: [
            { ...settingKey, brief: "e.g. backend.local.idle_timeout" },
            { parse: String, brief: "the new value", placeholder: "value" },
          ],
        },
      },
      docs: { brief: "change one setting" },
    }),
    unset: buildCommand<None, [string]>({
      ...keyOnly(
        async () =>
          (await lazyImport<typeof import("./commands/config/unset.ts")>(
            "./commands/config/unset.ts",
            import.meta.url,
          )).unset,
        "backend.local.endpoint",
      ),
      docs: { brief: "remove a setting (back to its default)" },
    }),
    list: buildCommand<Json, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/config/list.ts")>(
          "./commands/config/list.ts",
          import.meta.url,
        )).list
      ),
      parameters: { flags: { json } },
      docs: { brief: "print the effective settings and where each comes from" },
    }),
    path: buildCommand({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/config/path.ts")>(
          "./commands/config/path.ts",
          import.meta.url,
        )).path
      ),
      parameters: noArguments,
      docs: { brief: "print the path of config.yaml" },
    }),
  },
  docs: { brief: "read and change config.yaml" },
});

const backend = buildRouteMap({
  routes: {
    status: buildCommand<Json, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/backend/status.ts")>(
          "./commands/backend/status.ts",
          import.meta.url,
        )).status
      ),
      parameters: { flags: { json } },
      docs: { brief: "show the backend mode, endpoint and organization" },
    }),
    use: buildCommand<None, [string]>({
      loader: reported(async () => {
        const { use } = await lazyImport<typeof import("./commands/backend/use.ts")>(
          "./commands/backend/use.ts",
          import.meta.url,
        );
        return (_opts: Record<never, never>, type: string) => use(type);
      }),
      parameters: {
        positional: {
          kind: "tuple",
          parameters: [{
            parse: String,
            brief: "local | cloud",
            placeholder: "type",
            ...withValues(["local", "cloud"]),
          }],
        },
      },
      docs: { brief: "switch between the local and the cloud backend" },
    }),
  },
  docs: { brief: "show or choose the backend" },
});

const context = buildRouteMap({
  routes: {
    set: buildCommand<{ org: string }, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/context/set.ts")>(
          "./commands/context/set.ts",
          import.meta.url,
        )).set
      ),
      parameters: {
        flags: {
          org: { kind: "parsed", parse: String, brief: "organization id", placeholder: "org" },
        },
      },
      docs: { brief: "set the default organization" },
    }),
    show: buildCommand({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/context/show.ts")>(
          "./commands/context/show.ts",
          import.meta.url,
        )).show
      ),
      parameters: noArguments,
      docs: { brief: "show the organization each mode would use" },
    }),
  },
  docs: { brief: "the organization used in cloud mode" },
});

const versionCommand = buildCommand<Json, []>({
  loader: reported(async () =>
    (await lazyImport<typeof import("./commands/version.ts")>(
      "./commands/version.ts",
      import.meta.url,
    )).version
  ),
  parameters: { flags: { json } },
  docs: { brief: "print version details" },
});

const completions = buildCommand<None, [string]>({
  loader: reported(async () => {
    const { completions } = await lazyImport<typeof import("./commands/completions.ts")>(
      "./commands/completions.ts",
      import.meta.url,
    );
    return (_opts: Record<never, never>, shell: string) => completions(shell);
  }),
  parameters: {
    positional: {
      kind: "tuple",
      parameters: [{
        parse: String,
        brief: SHELLS.join(" | "),
        placeholder: "shell",
        ...withValues(SHELLS),
      }],
    },
  },
  docs: { brief: "print a shell completion script" },
});

const secretName = {
  kind: "tuple",
  parameters: [{
    parse: String,
    brief: "secret name, used as ${secrets.NAME}",
    placeholder: "name",
  }],
} as const;

const secret = buildRouteMap({
  routes: {
    set: buildCommand<{ fromStdin?: boolean }, [string]>({
      loader: reported(async () => {
        const { secretSet } = await lazyImport<typeof import("./commands/secret.ts")>(
          "./commands/secret.ts",
          import.meta.url,
        );
        return (opts: { fromStdin?: boolean }, name: string) => secretSet({ name, ...opts });
      }),
      parameters: {
        flags: { fromStdin: { ...flag, brief: "read the value from stdin" } },
        positional: secretName,
      },
      docs: { brief: "set a secret (value from a hidden prompt or stdin)" },
    }),
    list: buildCommand<Json, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/secret.ts")>(
          "./commands/secret.ts",
          import.meta.url,
        )).secretList
      ),
      parameters: { flags: { json } },
      docs: { brief: "list secret names and dates (never values)" },
    }),
    delete: buildCommand<None, [string]>({
      loader: reported(async () => {
        const { secretDelete } = await lazyImport<typeof import("./commands/secret.ts")>(
          "./commands/secret.ts",
          import.meta.url,
        );
        return (_: None, name: string) => secretDelete({ name });
      }),
      parameters: { positional: secretName },
      docs: { brief: "delete a secret" },
    }),
  },
  docs: { brief: "secrets used at run time (values never printed)" },
});

const sessionName = {
  kind: "tuple",
  parameters: [{ parse: String, brief: "session name", placeholder: "name" }],
} as const;

const sessions = buildRouteMap({
  routes: {
    list: buildCommand<Json, []>({
      loader: reported(async () =>
        (await lazyImport<typeof import("./commands/sessions.ts")>(
          "./commands/sessions.ts",
          import.meta.url,
        )).sessionsList
      ),
      parameters: { flags: { json } },
      docs: { brief: "list sessions" },
    }),
    get: buildCommand<Json, [string]>({
      loader: reported(async () => {
        const { sessionsGet } = await lazyImport<typeof import("./commands/sessions.ts")>(
          "./commands/sessions.ts",
          import.meta.url,
        );
        return (opts: Json, name: string) => sessionsGet({ name, ...opts });
      }),
      parameters: {
        flags: { json: { ...json, brief: "print JSON (the messages as recorded)" } },
        positional: sessionName,
      },
      docs: { brief: "print a session's transcript" },
    }),
    delete: buildCommand<None, [string]>({
      loader: reported(async () => {
        const { sessionsDelete } = await lazyImport<typeof import("./commands/sessions.ts")>(
          "./commands/sessions.ts",
          import.meta.url,
        );
        return (_: None, name: string) => sessionsDelete({ name });
      }),
      parameters: { positional: sessionName },
      docs: { brief: "delete a session" },
    }),
  },
  docs: { brief: "agent conversations continued with run --session" },
});

const root = buildRouteMap({
  routes: {
    apply,
    get,
    delete: deleteCommand,
    run,
    executions,
    sessions,
    secret,
    ui,
    events,
    server,
    init,
    login,
    logout,
    config,
    backend,
    context,
    version: versionCommand,
    completions,
  },
  aliases: { execution: "executions", ex: "executions", session: "sessions", secrets: "secret" },
  docs: {
    brief: "Declare agents and workflows, deploy them, run them. Local first.",
    fullDescription: [
      "Declare agents and workflows, deploy them, run them. Local first.",
      "",
      "Every command also takes --debug (show the causes of errors) and --no-color",
      "(plain output without colour; also NO_COLOR). `stigmer help <command>` is",
      "`stigmer <command> --help`.",
    ].join("\n"),
  },
});

/**
 * A flag every command takes, handled before parsing (main.ts strips it from the arguments,
 * wherever it stands, as the old parser did). Declared here so that help and completions show
 * it; its `run` is never reached.
 */
function globalFlag(brief: string): StricliIntegration<CommandContext> {
  return {
    flag: {
      brief,
      global: true,
      hidden: true, // else each one is printed as a usage line of its own; the top-level help lists them
      complete: true,
      run() {
        throw new Error("global flags are handled before parsing");
      },
    },
  };
}

export const GLOBAL_FLAGS = ["--debug", "--no-color"];

const FORMATTING = {
  caseStyle: "convert-camel-to-kebab",
  useAliasInUsageLine: false,
  onlyRequiredInUsageLine: true, // the flags are listed below the usage lines
} as const;

/**
 * Usage errors read like every other error: `error: …`, starting in lower case, and name flags
 * as they are typed (the parser suggests `--dryRun` for `--dry-rn`).
 */
function usageError(message: string): string {
  const typed = message.replaceAll(
    /--([a-z][a-zA-Z]*)/g,
    (_, name: string) => `--${name.replaceAll(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  );
  return `error: ${typed.charAt(0).toLowerCase()}${typed.slice(1)}`;
}

export function buildProgram(): Application<CommandContext> {
  return buildApplication(
    root,
    {
      name: NAME,
      scanner: { caseStyle: "allow-kebab-for-camel" },
      documentation: { disableAnsiColor: true },
      localization: {
        text: {
          ...text_en,
          noCommandRegisteredForInput: (args) =>
            args.input.startsWith("-")
              ? usageError(`no flag registered for ${args.input}`)
              : usageError(text_en.noCommandRegisteredForInput(args)),
          exceptionWhileParsingArguments(exc, ansiColor) {
            return usageError(text_en.exceptionWhileParsingArguments.call(this, exc, ansiColor));
          },
        },
      },
    },
    {
      help: help({
        brief: "print help and exit",
        alias: "h",
        defaultForRouteMap: true,
        formatting: FORMATTING,
      }),
      version: version({
        brief: "print the version",
        alias: "V",
        info: { currentVersion: VERSION },
      }),
      debug: globalFlag("show the causes of errors"),
      "no-color": globalFlag("plain output without colour (also: NO_COLOR)"),
    },
  );
}
