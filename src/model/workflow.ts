// Workflow specs: a CNCF Serverless Workflow 1.0 document, checked lightly.
// Zod checks each piece; a walker checks the task lists, which zod cannot
// express well (single-key maps, task types, `then` pointing at siblings).
import { z } from "zod";
import { unsupportedScheme, unsupportedSchemeMessage } from "./http_endpoint.ts";
import {
  isPlainObject,
  type KeyPath,
  type Problem,
  strictObject,
  zodProblems,
} from "./problems.ts";

export const TASK_TYPES = [
  "set",
  "call",
  "switch",
  "for",
  "try",
  "wait",
  "raise",
  "do",
  "emit",
  "listen",
  "run",
  "fork",
] as const;
export type TaskType = typeof TASK_TYPES[number];

/** `then` values that are not task names. */
export const FLOW_DIRECTIVES = ["continue", "exit", "end"] as const;

const COMMON_TASK_FIELDS = ["if", "input", "output", "export", "timeout", "then", "metadata"];
// Fields a task of a given type may carry besides its own key.
const TYPE_FIELDS: Record<TaskType, string[]> = {
  set: [],
  call: ["with"],
  switch: [],
  for: ["do", "while"],
  try: ["catch"],
  wait: [],
  raise: [],
  do: [],
  emit: [],
  listen: ["foreach"],
  run: [],
  fork: [],
};

const text = z.string().min(1);
const anyObject = z.record(z.string(), z.unknown());

const documentSchema = strictObject({
  dsl: z.string().regex(/^1\.\d+\.\d+/, "expected a DSL version such as 1.0.0"),
  namespace: text,
  name: text,
  version: text,
  title: z.string().optional(),
  summary: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  metadata: anyObject.optional(),
});

/** The workflow spec itself; `do` is checked further by checkTaskList. */
export const workflowSpecSchema = strictObject({
  document: documentSchema,
  input: anyObject.optional(),
  use: anyObject.optional(),
  do: z.array(z.unknown()), // emptiness is reported by checkTaskList
  timeout: z.unknown().optional(),
  output: anyObject.optional(),
  schedule: anyObject.optional(),
  evaluate: anyObject.optional(),
});

const ISO_DURATION = /^P(?!$)(\d+(\.\d+)?[YMWD])*(T(?=\d)(\d+(\.\d+)?[HMS])+)?$/;
const durationSchema = z.union([
  z.string().refine((s) => ISO_DURATION.test(s) || s.startsWith("${"), {
    message: "expected an ISO 8601 duration such as PT30S",
  }),
  strictObject({
    days: z.number().optional(),
    hours: z.number().optional(),
    minutes: z.number().optional(),
    seconds: z.number().optional(),
    milliseconds: z.number().optional(),
  }),
], { error: "expected an ISO 8601 duration such as PT30S, or a mapping such as {seconds: 30}" });

const endpointSchema = z.union([text, z.looseObject({ uri: text })], {
  error: "expected a URL, or a mapping with uri",
});

// Payload schemas per task type, for the value under the type's key.
const PAYLOADS: Partial<Record<TaskType, z.ZodType>> = {
  set: z.union([anyObject, z.string()], {
    error: "expected a mapping of values to set, or an expression",
  }),
  call: text,
  wait: durationSchema,
  raise: strictObject({
    error: z.union([
      text,
      z.looseObject({
        type: text,
        status: z.number(),
        title: z.string().optional(),
        detail: z.string().optional(),
      }),
    ], {
      error: "expected an error: a mapping with type and status, or the name of a defined error",
    }),
  }),
  for: strictObject({ each: text.optional(), in: text, at: text.optional() }),
  emit: z.looseObject({ event: z.looseObject({ with: anyObject }) }),
  listen: z.looseObject({ to: anyObject }),
  run: anyObject,
  fork: strictObject({ branches: z.array(z.unknown()).min(1), compete: z.boolean().optional() }),
};

const callAgentWith = z.looseObject({ agent: text, message: z.string().optional() });
const callHttpWith = z.looseObject({
  method: text,
  endpoint: endpointSchema.superRefine((endpoint, ctx) => {
    const uri = typeof endpoint === "string" ? endpoint : endpoint.uri;
    const scheme = uri.includes("${") ? undefined : unsupportedScheme(uri);
    if (scheme) ctx.addIssue({ code: "custom", message: unsupportedSchemeMessage(scheme, uri) });
  }),
});
/** `call: mcp` (DSL 1.0.3): a method on a server reached over stdio or HTTP. */
const callMcpWith = strictObject({
  protocolVersion: z.string().optional(),
  method: z.enum([
    "tools/list",
    "tools/call",
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/read",
    "resources/templates/list",
  ], {
    error:
      "method must be one of tools/list, tools/call, prompts/list, prompts/get, resources/list, resources/read, resources/templates/list",
  }),
  parameters: z.union([anyObject, z.string()]).optional(),
  timeout: z.unknown().optional(),
  transport: z.union([
    strictObject({
      stdio: strictObject({
        command: text,
        arguments: z.array(z.string()).optional(),
        environment: z.record(z.string(), z.string()).optional(),
      }),
    }),
    strictObject({
      http: strictObject({ endpoint: text, headers: z.record(z.string(), z.string()).optional() }),
    }),
  ], { error: "transport needs either stdio {command, arguments} or http {endpoint}" }),
  client: z.looseObject({ name: text, version: text }).optional(),
});
const catchSchema = z.looseObject({
  errors: anyObject.optional(),
  as: text.optional(),
  when: z.string().optional(),
  exceptWhen: z.string().optional(),
  retry: z.unknown().optional(),
  do: z.array(z.unknown()).optional(),
});
const switchCaseSchema = strictObject({ when: z.string().optional(), then: text.optional() });

/** Checks a workflow spec's task lists; zod has checked the rest. */
export function checkWorkflowTasks(spec: unknown, prefix: KeyPath): Problem[] {
  const problems: Problem[] = [];
  if (isPlainObject(spec) && Array.isArray(spec.do)) {
    checkTaskList(spec.do, [...prefix, "do"], problems);
  }
  return problems;
}

interface NamedTask {
  name: string;
  task: unknown;
  path: KeyPath; // path of the task body, e.g. spec.do[0].greet
}

/** The `name: task` entries of a task list, ignoring malformed items. */
function entries(list: unknown[], path: KeyPath): NamedTask[] {
  const out: NamedTask[] = [];
  list.forEach((item, index) => {
    if (!isPlainObject(item)) return;
    const keys = Object.keys(item);
    if (keys.length === 1) {
      out.push({ name: keys[0], task: item[keys[0]], path: [...path, index, keys[0]] });
    }
  });
  return out;
}

function checkTaskList(list: unknown, path: KeyPath, problems: Problem[]): void {
  if (!Array.isArray(list)) {
    problems.push({ path, message: "expected a list of tasks (`- name: {task}`)" });
    return;
  }
  if (list.length === 0) {
    problems.push({ path, message: "must list at least one task" });
    return;
  }
  const seen = new Set<string>();
  list.forEach((item, index) => {
    if (!isPlainObject(item) || Object.keys(item).length !== 1) {
      const found = isPlainObject(item) ? `${Object.keys(item).length} keys` : "something else";
      problems.push({
        path: [...path, index],
        message:
          `expected one task as \`name: {task}\` (a mapping with a single key), found ${found}`,
      });
      return;
    }
    const name = Object.keys(item)[0];
    if (seen.has(name)) {
      problems.push({
        path: [...path, index, name],
        at: "key",
        message: `task name "${name}" is used twice in this list`,
      });
    }
    seen.add(name);
  });
  const names = entries(list, path).map((e) => e.name);
  for (const { task, path: taskPath } of entries(list, path)) {
    checkTask(task, taskPath, names, problems);
  }
}

function checkThen(value: unknown, path: KeyPath, siblings: string[], problems: Problem[]): void {
  if (typeof value !== "string") {
    problems.push({ path, message: "expected the name of a task, or continue, exit or end" });
    return;
  }
  if ((FLOW_DIRECTIVES as readonly string[]).includes(value) || siblings.includes(value)) return;
  problems.push({
    path,
    message: `names task "${value}", which is not in this task list; expected one of: ${
      [...new Set(siblings), ...FLOW_DIRECTIVES].join(", ")
    }`,
  });
}

function checkTask(task: unknown, path: KeyPath, siblings: string[], problems: Problem[]): void {
  if (!isPlainObject(task)) {
    problems.push({
      path,
      message: `expected a task: a mapping with one of ${TASK_TYPES.join(", ")}`,
    });
    return;
  }
  const present = TASK_TYPES.filter((type) => type in task);
  // A `for` task carries its body under `do`, so `do` is not a second type there.
  const types = present.includes("for") ? present.filter((t) => t !== "do") : present;
  if (types.length === 0) {
    problems.push({
      path,
      message: `expected a task: a mapping with one of ${TASK_TYPES.join(", ")}`,
    });
    return;
  }
  if (types.length > 1) {
    problems.push({
      path,
      message: `a task does one thing, but this one has ${
        types.join(" and ")
      }; split it into several tasks`,
    });
    return;
  }
  const type = types[0];
  const allowed = new Set([type, ...COMMON_TASK_FIELDS, ...TYPE_FIELDS[type]]);
  for (const key of Object.keys(task)) {
    if (!allowed.has(key)) {
      problems.push({
        path: [...path, key],
        at: "key",
        message: `unknown field "${key}" for a ${type} task; expected one of: ${
          [...allowed].join(", ")
        }`,
      });
    }
  }
  if ("then" in task) checkThen(task.then, [...path, "then"], siblings, problems);
  if ("if" in task && typeof task.if !== "string") {
    problems.push({
      path: [...path, "if"],
      message: "expected a runtime expression such as ${ .ready }",
    });
  }

  const payload = PAYLOADS[type];
  if (payload) {
    const result = payload.safeParse(task[type], { reportInput: true });
    if (!result.success) {
      problems.push(...zodProblems(result.error.issues, task[type], [...path, type]));
    }
  }
  switch (type) {
    case "call":
      checkCall(task, path, problems);
      break;
    case "switch":
      checkSwitch(task.switch, [...path, "switch"], siblings, problems);
      break;
    case "for":
      if (!("do" in task)) {
        problems.push({ path, message: 'a for task needs "do": the tasks to run for each item' });
      } else checkTaskList(task.do, [...path, "do"], problems);
      if ("while" in task && typeof task.while !== "string") {
        problems.push({ path: [...path, "while"], message: "expected a runtime expression" });
      }
      break;
    case "try":
      checkTry(task, path, problems);
      break;
    case "do":
      checkTaskList(task.do, [...path, "do"], problems);
      break;
    case "fork":
      if (isPlainObject(task.fork) && Array.isArray(task.fork.branches)) {
        checkTaskList(task.fork.branches, [...path, "fork", "branches"], problems);
      }
      break;
  }
}

function checkCall(task: Record<string, unknown>, path: KeyPath, problems: Problem[]): void {
  const schema = task.call === "agent"
    ? callAgentWith
    : task.call === "http"
    ? callHttpWith
    : task.call === "mcp"
    ? callMcpWith
    : undefined;
  if (schema === undefined) {
    if ("with" in task && !isPlainObject(task.with)) {
      problems.push({ path: [...path, "with"], message: "expected a mapping of arguments" });
    }
    return;
  }
  if (!("with" in task)) {
    const needs = task.call === "agent"
      ? "with.agent (the agent's name)"
      : task.call === "mcp"
      ? "with.method and with.transport"
      : "with.method and with.endpoint";
    problems.push({ path, message: `a call: ${task.call} task needs ${needs}` });
    return;
  }
  const result = schema.safeParse(task.with, { reportInput: true });
  if (!result.success) {
    problems.push(...zodProblems(result.error.issues, task.with, [...path, "with"]));
  }
}

function checkSwitch(cases: unknown, path: KeyPath, siblings: string[], problems: Problem[]): void {
  if (!Array.isArray(cases) || cases.length === 0) {
    problems.push({ path, message: "expected a list of cases (`- name: {when, then}`)" });
    return;
  }
  cases.forEach((item, index) => {
    if (!isPlainObject(item) || Object.keys(item).length !== 1) {
      problems.push({
        path: [...path, index],
        message: "expected one case as `name: {when, then}`",
      });
      return;
    }
    const name = Object.keys(item)[0];
    const casePath = [...path, index, name];
    const result = switchCaseSchema.safeParse(item[name], { reportInput: true });
    if (!result.success) {
      problems.push(...zodProblems(result.error.issues, item[name], casePath));
      return;
    }
    if (result.data.then !== undefined) {
      checkThen(result.data.then, [...casePath, "then"], siblings, problems);
    }
  });
}

function checkTry(task: Record<string, unknown>, path: KeyPath, problems: Problem[]): void {
  checkTaskList(task.try, [...path, "try"], problems);
  if (!("catch" in task)) {
    problems.push({
      path,
      message: 'a try task needs "catch": which errors to catch and what to do',
    });
    return;
  }
  const result = catchSchema.safeParse(task.catch, { reportInput: true });
  if (!result.success) {
    problems.push(...zodProblems(result.error.issues, task.catch, [...path, "catch"]));
    return;
  }
  if (result.data.do !== undefined) {
    checkTaskList(result.data.do, [...path, "catch", "do"], problems);
  }
}

/** An agent named by a `call: agent` task, and where. */
export interface AgentRef {
  name: string;
  path: KeyPath; // path of the `agent` value, relative to the spec
}

/** Every `call: agent` reference in a workflow spec, through nested do/for/try/switch/fork. */
export function workflowAgentRefPaths(spec: unknown): AgentRef[] {
  const refs: AgentRef[] = [];
  const walk = (list: unknown, path: KeyPath): void => {
    if (!Array.isArray(list)) return;
    for (const { task, path: taskPath } of entries(list, path)) {
      if (!isPlainObject(task)) continue;
      if (
        task.call === "agent" && isPlainObject(task.with) && typeof task.with.agent === "string"
      ) {
        refs.push({ name: task.with.agent, path: [...taskPath, "with", "agent"] });
      }
      walk(task.do, [...taskPath, "do"]);
      walk(task.try, [...taskPath, "try"]);
      if (isPlainObject(task.catch)) walk(task.catch.do, [...taskPath, "catch", "do"]);
      if (isPlainObject(task.fork)) walk(task.fork.branches, [...taskPath, "fork", "branches"]);
    }
  };
  if (isPlainObject(spec)) walk(spec.do, ["do"]);
  return refs;
}

/** The names of the agents a workflow spec calls, each once, in order of appearance. */
export function workflowAgentRefs(spec: unknown): string[] {
  return [...new Set(workflowAgentRefPaths(spec).map((ref) => ref.name))];
}
