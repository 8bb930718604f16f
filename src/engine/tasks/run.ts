// `run`: a local program (shell, script, container: see run_process.ts) or another workflow
// (`run: workflow`, found through hooks.loadWorkflow by namespace, name and version; its
// events are nested under this task's path). `return` picks the output (default stdout);
// `await: false` starts it and outputs the task's input at once.
import { runWorkflow } from "../engine.ts";
import { workflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import type { TaskCall, TaskKind } from "../task.ts";
import {
  processOutput,
  type ProcessRequest,
  type ProcessReturn,
  runProcess,
} from "./run_process.ts";

/** `run: workflow` calls deeper than this fail (a workflow that runs itself, say). */
export const MAX_WORKFLOW_DEPTH = 16;

const RETURNS = ["stdout", "stderr", "code", "all", "none"];
const PROCESS_FIELDS: Record<string, string[]> = {
  shell: ["command", "arguments", "environment", "stdin"],
  script: ["language", "code", "source", "arguments", "environment", "stdin"],
  container: [
    "image",
    "name",
    "command",
    "ports",
    "volumes",
    "environment",
    "stdin",
    "arguments",
    "lifetime",
    "pullPolicy",
  ],
  workflow: ["namespace", "name", "version", "input"],
};

interface PreparedRun {
  kind: "shell" | "script" | "container" | "workflow";
  spec: Record<string, Template | undefined>;
  static: Record<string, unknown>;
  return: ProcessReturn;
  await: boolean;
}

export const runTask: TaskKind<PreparedRun> = {
  prepare(definition, at) {
    const run = definition.run as Record<string, unknown> | null;
    const fallback: PreparedRun = {
      kind: "shell",
      spec: {},
      static: {},
      return: "stdout",
      await: true,
    };
    if (run === null || typeof run !== "object" || Array.isArray(run)) {
      at.problem("must be an object {shell|script|container|workflow, return?, await?}", "run");
      return fallback;
    }
    const kinds = Object.keys(PROCESS_FIELDS).filter((k) => k in run);
    if (kinds.length !== 1) {
      at.problem("needs exactly one of shell, script, container or workflow", "run");
      return fallback;
    }
    const kind = kinds[0] as PreparedRun["kind"];
    for (const field of Object.keys(run)) {
      if (![kind, "return", "await"].includes(field)) {
        at.problem(`unknown field "${field}" for run`, `run/${field}`);
      }
    }
    const ret = run.return ?? "stdout";
    if (!RETURNS.includes(String(ret))) {
      at.problem(`must be one of ${RETURNS.join(", ")}`, "run/return");
    }
    if (run.await !== undefined && typeof run.await !== "boolean") {
      at.problem("must be true or false", "run/await");
    }
    const body = run[kind] as Record<string, unknown> | null;
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      at.problem(`must be an object {${PROCESS_FIELDS[kind].join(", ")}}`, `run/${kind}`);
      return fallback;
    }
    const where = (field: string) => `run/${kind}/${field}`;
    for (const field of Object.keys(body)) {
      if (!PROCESS_FIELDS[kind].includes(field)) {
        at.problem(`unknown field "${field}" for run: ${kind}`, where(field));
      }
    }
    const spec: PreparedRun["spec"] = {};
    for (const field of ["command", "arguments", "environment", "stdin", "name", "input"]) {
      if (body[field] !== undefined) spec[field] = at.template(body[field]);
    }
    const need = (field: string, what: string) => {
      if (typeof body[field] !== "string" || body[field] === "") at.problem(what, where(field));
    };
    if (kind === "shell") need("command", "needs the command to run");
    if (kind === "container") need("image", "needs the image to run");
    if (kind === "workflow") need("name", "needs the name of the workflow to run");
    let language: unknown;
    if (kind === "script") {
      language = body.language === "javascript" ? "js" : body.language;
      if (language !== "js" && language !== "python") {
        at.problem("must be js (or javascript) or python", where("language"));
      }
      if (body.source !== undefined) {
        at.problem(
          "scripts from an external source are not run here: put the code in `code`",
          where("source"),
        );
      } else need("code", "needs the script's code");
    }
    if (kind === "container") {
      const lifetime = body.lifetime as { cleanup?: unknown } | undefined;
      if (
        lifetime !== undefined &&
        !["always", "eventually", "never"].includes(String(lifetime?.cleanup))
      ) {
        at.problem(
          "lifetime.cleanup must be always, eventually or never",
          where("lifetime/cleanup"),
        );
      }
      for (const field of ["ports", "volumes"]) {
        if (body[field] !== undefined) {
          at.problem(`containers with ${field} are not run here yet`, where(field));
        }
      }
    }
    return {
      kind,
      spec,
      static: { ...body, language },
      return: (RETURNS.includes(String(ret)) ? ret : "stdout") as ProcessReturn,
      await: run.await !== false,
    };
  },

  async run(prepared, call) {
    if (prepared.kind === "workflow") {
      const work = runSubWorkflow(prepared, call);
      if (!prepared.await) {
        work.catch(() => {});
        return { output: call.input };
      }
      return { output: await work };
    }
    const local = call.run.options.localProcesses;
    if (local && !local.allowed) {
      throw workflowError(
        "configuration",
        local.refusal ?? `run: ${prepared.kind} starts a local program, which is not allowed here`,
        { title: "Local processes not allowed" },
      );
    }
    const value = (field: string) => {
      const template = prepared.spec[field];
      return template === undefined ? undefined : evaluate(template, call.input, call.vars);
    };
    const args = value("arguments") ?? [];
    if (!Array.isArray(args)) throw workflowError("validation", "run arguments must be a list");
    const env = value("environment") ?? {};
    if (env === null || typeof env !== "object" || Array.isArray(env)) {
      throw workflowError("validation", "run environment must be a mapping of names to values");
    }
    const stdin = value("stdin");
    const command = value("command");
    const name = value("name");
    const request: ProcessRequest = {
      kind: prepared.kind,
      command: command === undefined ? undefined : String(command),
      language: prepared.static.language as ProcessRequest["language"],
      code: prepared.static.code as string | undefined,
      image: prepared.static.image as string | undefined,
      containerName: name === undefined ? undefined : String(name),
      pullPolicy: prepared.static.pullPolicy as string | undefined,
      keep: (prepared.static.lifetime as { cleanup?: string } | undefined)?.cleanup === "never",
      args: args.map((a) => typeof a === "string" ? a : JSON.stringify(a)),
      env: Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      ),
      stdin: stdin === undefined || stdin === null
        ? undefined
        : typeof stdin === "string"
        ? stdin
        : JSON.stringify(stdin),
    };
    if (!prepared.await) {
      runProcess(request, new AbortController().signal).catch(() => {});
      return { output: call.input };
    }
    const result = await runProcess(request, call.signal);
    return { output: processOutput(result, prepared.return, `run: ${prepared.kind}`) };
  },
};

async function runSubWorkflow(prepared: PreparedRun, call: TaskCall): Promise<unknown> {
  const { hooks, options } = call.run;
  const ref = {
    namespace: String(prepared.static.namespace ?? "default"),
    name: String(prepared.static.name),
    version: String(prepared.static.version ?? "latest"),
  };
  const label = `${ref.namespace}/${ref.name}:${ref.version}`;
  const depth = (options.depth ?? 0) + 1;
  if (depth > MAX_WORKFLOW_DEPTH) {
    throw workflowError(
      "configuration",
      `run: workflow ${label} is nested ${depth} deep (more than ${MAX_WORKFLOW_DEPTH}): does a workflow run itself?`,
    );
  }
  if (!hooks.loadWorkflow) {
    throw workflowError("configuration", "run: workflow is not available here (no workflow store)");
  }
  const document = await hooks.loadWorkflow(ref, call.signal);
  if (!document) {
    throw workflowError(
      "configuration",
      `no workflow ${label}: apply one whose document has namespace ${ref.namespace}, name ${ref.name}` +
        (ref.version === "latest" ? "" : ` and version ${ref.version}`),
      { title: "Workflow not found", status: 404 },
    );
  }
  const input = prepared.spec.input === undefined
    ? call.input
    : evaluate(prepared.spec.input, call.input, call.vars);
  const prefix = `${call.task.path}/run/workflow`;
  const secrets = hooks.loadSecrets ? await hooks.loadSecrets(document) : options.secrets;
  return await runWorkflow(document, input, {
    ...hooks,
    emit: (event) => hooks.emit({ ...event, task: `${prefix}/${event.task}` }),
  }, { ...options, signal: call.signal, depth, secrets });
}
