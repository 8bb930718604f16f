// stigmer run <NAME|ID>: start a workflow (or an agent) and follow its events.
import { lazyImport } from "../../lazy_import.ts";
import { RemoteError, UsageError } from "../../errors.ts";
import { Status } from "../../rpc/status.ts";
import { connectBackend } from "../backend.ts";
import { explain, withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../rpc/gen/stigmer/v1/execution.ts";
import { follow } from "../follow.ts";
import { info, printJson, writeOut } from "../output.ts";

export interface RunOptions {
  input?: string[];
  inputFile?: string;
  message?: string;
  session?: string;
  follow?: boolean;
  json?: boolean;
  org?: string;
  autoStart?: boolean;
}

/** `key=value` pairs; values are JSON when they parse as JSON, else text. */
export function parseInputs(pairs: string[] = []): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`invalid --input "${pair}": expected key=value`);
    const raw = pair.slice(at + 1);
    try {
      input[pair.slice(0, at)] = JSON.parse(raw);
    } catch {
      input[pair.slice(0, at)] = raw;
    }
  }
  return input;
}

async function readInputFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new UsageError(`cannot read --input-file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(path) ? (await import("yaml")).parse(text) : JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `--input-file ${path} is not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${
        (err as Error).message
      }`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`--input-file ${path} must hold an object (key: value pairs)`);
  }
  return value as Record<string, unknown>;
}

export async function run(target: string, opts: RunOptions): Promise<void> {
  const input = {
    ...(opts.inputFile ? await readInputFile(opts.inputFile) : {}),
    ...parseInputs(opts.input),
  };
  const inputJson = JSON.stringify(input);
  const { formatBytes, MAX_EXECUTION_INPUT_BYTES, utf8Length } = await lazyImport<
    typeof import("../../model/limits.ts")
  >("../../model/limits.ts", import.meta.url);
  const inputBytes = utf8Length(inputJson);
  if (inputBytes > MAX_EXECUTION_INPUT_BYTES) {
    throw new UsageError(
      `the input is ${formatBytes(inputBytes)}; an execution's input may be at most ${
        formatBytes(MAX_EXECUTION_INPUT_BYTES)
      }`,
      { hint: "pass large data by reference (a URL or a path the workflow reads)" },
    );
  }
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart });
  const began = performance.now();
  const org = backend.selection.org;
  try {
    let execution;
    try {
      execution = await withBackend(
        backend.selection,
        () =>
          makeClient(backend.channel, ExecutionServiceDefinition).start({
            org,
            target,
            targetKind: "",
            inputJson,
            message: opts.message ?? "",
            session: opts.session ?? "",
          }),
      );
    } catch (err) {
      if (err instanceof RemoteError && err.code === Status.NOT_FOUND) {
        const { targetNotFound } = await lazyImport<typeof import("../run_target.ts")>(
          "../run_target.ts",
          import.meta.url,
        );
        throw await targetNotFound(backend.channel, org, target, err);
      }
      throw err;
    }
    if (opts.follow === false) {
      if (opts.json) printJson({ id: execution.id, phase: execution.phase });
      else writeOut(execution.id);
      info(
        `Started ${execution.kind} ${execution.id}; follow it: stigmer executions get ${execution.id} --follow`,
      );
      return;
    }
    let result;
    try {
      result = await follow(backend.channel, org, execution.id, {
        json: opts.json,
        // The daemon died mid-run: the next one (started here) resumes the run; keep following.
        reconnect: async () => {
          backend.channel.close();
          const again = await connectBackend({
            org: opts.org,
            autoStart: opts.autoStart,
            quiet: true,
          });
          backend.channel = again.channel;
          return again.channel;
        },
      });
    } catch (err) {
      throw explain(err, backend.selection);
    }
    if (result.detached) {
      info(
        `\nDetached; ${execution.id} goes on in the backend. Follow it again: stigmer executions get ${execution.id} --follow`,
      );
      Deno.exitCode = 130;
      return;
    }
    const { printRunSummary } = await lazyImport<typeof import("../run_summary.ts")>(
      "../run_summary.ts",
      import.meta.url,
    );
    printRunSummary(execution, result, (performance.now() - began) / 1000, opts.json);
  } finally {
    backend.channel.close();
  }
}
