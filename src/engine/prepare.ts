// Checks a workflow document and compiles it into PreparedTasks, once per run, so the run
// itself does no shape checks and no expression parsing. Reports every problem, not the first.
import { type DataSchema, prepareDataSchema } from "./data_schemas.ts";
import { parseDuration } from "./durations.ts";
import { byDocumentOrder, WorkflowDefinitionError, type WorkflowProblem } from "./errors.ts";
import { compileExpression, compileTemplate, type Template } from "./expressions.ts";
import type { PrepareContext, PreparedList, PreparedTask, TaskKind } from "./task.ts";
import { agentTask } from "./tasks/agent.ts";
import { doTask } from "./tasks/do.ts";
import { emitTask } from "./tasks/emit.ts";
import { forTask } from "./tasks/for.ts";
import { forkTask } from "./tasks/fork.ts";
import { functionTask } from "./tasks/function.ts";
import { grpcTask } from "./tasks/grpc.ts";
import { httpTask } from "./tasks/http.ts";
import { mcpTask } from "./tasks/mcp.ts";
import { checkSchedule, listenTask } from "./tasks/listen.ts";
import { openApiTask } from "./tasks/openapi.ts";
import { raiseTask } from "./tasks/raise.ts";
import { runTask } from "./tasks/run.ts";
import { setTask } from "./tasks/set.ts";
import { switchTask } from "./tasks/switch.ts";
import { tryTask } from "./tasks/try.ts";
import { waitTask } from "./tasks/wait.ts";
import type { TaskDefinition, WorkflowDocument } from "./types.ts";

export interface PreparedWorkflow {
  readonly list: PreparedList;
  readonly inputFrom?: Template;
  readonly outputAs?: Template;
  readonly timeoutMs?: number;
  readonly inputSchema?: DataSchema;
  readonly outputSchema?: DataSchema;
  /** Some expression needs jq itself (not just a path JavaScript reads). */
  readonly needsJq: boolean;
  /** Some `input.schema` / `output.schema` needs ajv. */
  readonly needsSchemas: boolean;
}

interface KindSpec {
  kind: TaskKind<unknown>;
  fields: readonly string[]; // the fields this kind adds to the common ones
}

const KINDS: Record<string, KindSpec> = {
  set: { kind: setTask, fields: ["set"] },
  switch: { kind: switchTask, fields: ["switch"] },
  for: { kind: forTask, fields: ["for", "while", "do"] },
  try: { kind: tryTask, fields: ["try", "catch"] },
  wait: { kind: waitTask, fields: ["wait"] },
  raise: { kind: raiseTask, fields: ["raise"] },
  do: { kind: doTask, fields: ["do"] },
  fork: { kind: forkTask, fields: ["fork"] },
  run: { kind: runTask, fields: ["run"] },
  emit: { kind: emitTask, fields: ["emit"] },
  listen: { kind: listenTask, fields: ["listen", "foreach"] },
  "call http": { kind: httpTask, fields: ["call", "with"] },
  "call agent": { kind: agentTask, fields: ["call", "with"] },
  "call mcp": { kind: mcpTask, fields: ["call", "with"] },
  "call openapi": { kind: openApiTask, fields: ["call", "with"] },
  "call grpc": { kind: grpcTask, fields: ["call", "with"] },
  "call function": { kind: functionTask, fields: ["call", "with"] },
};

// Checked in this order: `for` and `try` tasks also have a `do`/`catch` field.
const KIND_FIELDS = [
  "call",
  "set",
  "switch",
  "for",
  "fork",
  "run",
  "try",
  "wait",
  "raise",
  "emit",
  "listen",
  "do",
];
// Task kinds of the DSL this engine refuses (at apply, with this message) until it runs them.
const UNSUPPORTED: string[] = [];
const NOT_YET_CALLS = new Set(["asyncapi", "a2a"]);
const COMMON_FIELDS = new Set(["if", "input", "output", "export", "timeout", "then", "metadata"]);
const DIRECTIVES = new Set(["continue", "exit", "end"]);
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
const JQ_RESERVED = new Set([
  "ENV",
  "__loc__",
  "and",
  "or",
  "not",
  "if",
  "then",
  "elif",
  "else",
  "end",
  "as",
  "def",
  "reduce",
  "foreach",
  "try",
  "catch",
  "label",
  "import",
  "include",
]);

/** Compiles `document`, or throws WorkflowDefinitionError listing every problem. */
export function prepareWorkflow(document: WorkflowDocument): PreparedWorkflow {
  const problems: WorkflowProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  let needsJq = false;
  let needsSchemas = false;
  const schemaOf = (value: unknown, path: string) => {
    const schema = prepareDataSchema(
      (value as { schema?: unknown } | null | undefined)?.schema,
      (message) => report(path, message),
    );
    needsSchemas ||= schema !== undefined;
    return schema;
  };
  const compiled = (template: Template) => {
    needsJq ||= template.needsJq;
    return template;
  };

  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new WorkflowDefinitionError([{
      path: "",
      message: "the workflow document must be an object",
    }]);
  }

  const prepareList = (value: unknown, path: string): PreparedList => {
    const tasks: PreparedTask[] = [];
    const indexOf = new Map<string, number>();
    const targets: Array<{ name: string; where: string }> = [];
    if (!Array.isArray(value)) {
      report(path, "must be a list of tasks ([{name: task}, …])");
      return { tasks, indexOf };
    }
    value.forEach((item, index) => {
      const entries = item && typeof item === "object" && !Array.isArray(item)
        ? Object.entries(item)
        : [];
      if (entries.length !== 1) {
        report(`${path}/${index}`, "each entry must be a single {name: task} object");
        return;
      }
      const [name, definition] = entries[0];
      const taskPath = `${path}/${index}/${name}`;
      if (indexOf.has(name)) report(taskPath, `another task in this list is named "${name}"`);
      const task = prepareTask(
        name,
        definition,
        taskPath,
        (target, where) => targets.push({ name: target, where }),
      );
      if (task) {
        if (!indexOf.has(name)) indexOf.set(name, tasks.length);
        tasks.push(task);
      }
    });
    for (const { name, where } of targets) {
      if (!indexOf.has(name)) {
        report(
          where,
          `no task named "${name}" in this list (flow directives are continue, exit, end or a sibling task's name)`,
        );
      }
    }
    return { tasks, indexOf };
  };

  const prepareTask = (
    name: string,
    definition: unknown,
    path: string,
    addTarget: (name: string, where: string) => void,
  ): PreparedTask | undefined => {
    if (definition === null || typeof definition !== "object" || Array.isArray(definition)) {
      report(path, "a task must be an object");
      return undefined;
    }
    const def = definition as TaskDefinition;
    const problem = (message: string, field?: string) =>
      report(field ? `${path}/${field}` : path, message);

    const at: PrepareContext = {
      path,
      document,
      problem,
      list: (value, field) => prepareList(value, `${path}/${field}`),
      template: (value) => compiled(compileTemplate(value)),
      expression: (value, field) => {
        if (value === undefined) return undefined;
        if (typeof value !== "string" && (value === null || typeof value !== "object")) {
          problem("must be a runtime expression", field);
        }
        return compiled(compileExpression(value));
      },
      duration: (value, field) => {
        try {
          return parseDuration(value);
        } catch (error) {
          problem((error as Error).message, field);
          return undefined;
        }
      },
      directive: (value, field) => {
        if (value === undefined) return undefined;
        if (typeof value !== "string" || value === "") {
          problem("must be continue, exit, end or the name of a task", field);
          return undefined;
        }
        if (!DIRECTIVES.has(value)) addTarget(value, `${path}/${field}`);
        return value;
      },
      variable: (value, field, fallback) => {
        if (value === undefined) return fallback;
        if (typeof value !== "string" || !IDENTIFIER.test(value) || JQ_RESERVED.has(value)) {
          problem(`"${value}" cannot name a variable (letters, digits and _ only)`, field);
          return fallback;
        }
        return value;
      },
    };

    const kindName = kindOf(def, problem, document);
    if (!kindName) return undefined;
    const spec = KINDS[kindName];
    for (const field of Object.keys(def)) {
      if (!COMMON_FIELDS.has(field) && !spec.fields.includes(field)) {
        problem(`unknown field "${field}" for a ${kindName} task`, field);
      }
    }
    const body = spec.kind.prepare(def, at);
    return {
      name,
      path,
      pointer: `/${path}`,
      kind: kindName,
      definition: def,
      if: at.expression(def.if, "if"),
      inputFrom: at.expression(objectField(def.input, "from", problem, "input"), "input/from"),
      outputAs: at.expression(objectField(def.output, "as", problem, "output"), "output/as"),
      exportAs: at.expression(objectField(def.export, "as", problem, "export"), "export/as"),
      inputSchema: schemaOf(def.input, `${path}/input/schema`),
      outputSchema: schemaOf(def.output, `${path}/output/schema`),
      timeoutMs: timeoutOf(def.timeout, document, (message) => problem(message, "timeout")),
      defaultTimeout: kindName.startsWith("call "),
      then: at.directive(def.then, "then"),
      run: (call) => spec.kind.run(body, call),
    };
  };

  const list = prepareList(document.do, "do");
  if (document.use?.extensions !== undefined) {
    report("use/extensions", "extensions are not run by this engine yet: remove use.extensions");
  }
  const language = (document.evaluate as { language?: unknown } | undefined)?.language;
  if (language !== undefined && language !== "jq") {
    report("evaluate/language", `expressions are jq here, not ${String(language)}`);
  }
  if (Array.isArray(document.do) && document.do.length === 0) report("do", "has no tasks");
  const rootProblem = (field: string) => (message: string) => report(field, message);
  checkSchedule(document.schedule, report);
  const inputFrom = objectField(document.input, "from", rootProblem("input"), "input");
  const outputAs = objectField(document.output, "as", rootProblem("output"), "output");
  const prepared: PreparedWorkflow = {
    list,
    inputFrom: inputFrom === undefined ? undefined : compiled(compileExpression(inputFrom)),
    outputAs: outputAs === undefined ? undefined : compiled(compileExpression(outputAs)),
    timeoutMs: timeoutOf(document.timeout, document, rootProblem("timeout")),
    inputSchema: schemaOf(document.input, "input/schema"),
    outputSchema: schemaOf(document.output, "output/schema"),
    get needsJq() {
      return needsJq;
    },
    get needsSchemas() {
      return needsSchemas;
    },
  };
  if (problems.length > 0) throw new WorkflowDefinitionError(problems.sort(byDocumentOrder));
  return prepared;
}

function kindOf(
  def: TaskDefinition,
  problem: (message: string) => void,
  document: WorkflowDocument,
): string | undefined {
  const unsupported = UNSUPPORTED.find((field) => field in def);
  if (unsupported) {
    problem(
      `a "${unsupported}" task: this engine does not run ${unsupported} tasks yet (it runs ${runnableKinds()})`,
    );
    return undefined;
  }
  const present = KIND_FIELDS.filter((f) => f in def);
  // A `for` task carries its body under `do`.
  const kinds = present.includes("for") ? present.filter((f) => f !== "do") : present;
  if (kinds.length > 1) {
    problem(
      `a task does one thing, but this one has ${kinds.join(" and ")}; split it into several tasks`,
    );
    return undefined;
  }
  const field = kinds[0];
  if (!field) {
    problem(`not a task: it needs one of ${[...KIND_FIELDS, ...UNSUPPORTED].sort().join(", ")}`);
    return undefined;
  }
  if (field !== "call") return field;
  const callee = def.call;
  if (typeof callee === "string" && `call ${callee}` in KINDS && callee !== "function") {
    return `call ${callee}`;
  }
  const functions = (document.use as { functions?: Record<string, unknown> } | undefined)
    ?.functions;
  if (typeof callee === "string" && functions && Object.hasOwn(functions, callee)) {
    return "call function";
  }
  if (typeof callee === "string" && /@|:\/\//.test(callee)) {
    problem(
      `call: ${callee}: functions from a catalog are not run here; define it in use.functions`,
    );
    return undefined;
  }
  const calls = Object.keys(KINDS).filter((k) => k.startsWith("call ") && k !== "call function")
    .map((k) => k.slice(5));
  if (typeof callee === "string" && NOT_YET_CALLS.has(callee)) {
    problem(
      `a "call: ${callee}" task: this engine does not run ${callee} calls yet (it calls ${
        calls.join(", ")
      })`,
    );
  } else {
    problem(
      `call: ${JSON.stringify(callee)} is neither ${
        calls.join(", ")
      } nor a function of use.functions`,
    );
  }
  return undefined;
}

function runnableKinds(): string {
  return Object.keys(KINDS).join(", ");
}

/** `input.from`, `output.as`, `export.as`: the inner field of an optional object. */
function objectField(
  value: unknown,
  field: string,
  problem: (message: string, field?: string) => void,
  where: string,
): unknown {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problem(`must be an object like {${field}: …}`, where);
    return undefined;
  }
  return (value as Record<string, unknown>)[field];
}

/** `timeout: {after: duration}` or the name of one in `use.timeouts`. */
function timeoutOf(
  value: unknown,
  document: WorkflowDocument,
  problem: (message: string) => void,
): number | undefined {
  if (value === undefined) return undefined;
  let timeout: unknown = value;
  if (typeof value === "string") {
    timeout = document.use?.timeouts?.[value];
    if (timeout === undefined) {
      problem(`no timeout named "${value}" in use.timeouts`);
      return undefined;
    }
  }
  const after = (timeout as { after?: unknown } | null)?.after;
  if (after === undefined) {
    problem("must be {after: <duration>} or the name of a timeout in use.timeouts");
    return undefined;
  }
  try {
    return parseDuration(after);
  } catch (error) {
    problem((error as Error).message);
    return undefined;
  }
}
