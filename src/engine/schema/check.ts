// The DSL's JSON Schema check: the validator scripts/gen_workflow_schema.ts compiled from
// schema/workflow.yaml, loaded on first use (~0.1 s to parse its 400 kB), with ajv's raw
// errors reworded into a few sentences at paths like "do/0/fetch/with".
import { lazyImport } from "../../lazy_import.ts";
import type { WorkflowProblem } from "../errors.ts";

interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type Validator = ((value: unknown) => boolean) & { errors?: SchemaError[] | null };

let validator: Validator | undefined;
let loading: Promise<Validator> | undefined;

/** Loads the schema's validator (once); later calls resolve at once. */
export function loadWorkflowSchema(): Promise<void> {
  loading ??= lazyImport<typeof import("./workflow_validator.gen.ts")>(
    "./workflow_validator.gen.ts",
    import.meta.url,
  ).then((module) => validator = module.default as Validator);
  return loading.then(() => {});
}

/** Whether {@link schemaProblems} can run (after loadWorkflowSchema resolved). */
export function workflowSchemaLoaded(): boolean {
  return validator !== undefined;
}

/** The task kinds of the DSL: the one field that says what a task is. */
export const DSL_TASK_KINDS = [
  "call",
  "do",
  "emit",
  "for",
  "fork",
  "listen",
  "raise",
  "run",
  "set",
  "switch",
  "try",
  "wait",
];
// Fields a branch of the task `oneOf` requires besides its kind: missing them is noise too.
const BRANCH_FIELDS = new Set([...DSL_TASK_KINDS, "with", "catch"]);

/** Every way `document` breaks the DSL's JSON Schema, reworded; empty when it conforms. */
export function schemaProblems(document: unknown): WorkflowProblem[] {
  if (!validator) throw new Error("the workflow schema is not loaded: await loadWorkflowSchema()");
  if (validator(document)) return [];
  return rewordSchemaErrors(validator.errors ?? [], document);
}

function pathOf(pointer: string): string {
  return pointer.replace(/^\//, "").split("/").map((s) =>
    s.replaceAll("~1", "/").replaceAll("~0", "~")
  )
    .join("/");
}

function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const segment of path ? path.split("/") : []) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * Keeps what says something: a task that fits none of the task kinds makes the schema try
 * each kind in turn, and every kind that did not fit leaves errors ("missing call", "unknown
 * field set"…). Those are dropped; the deepest remaining errors are reworded.
 */
export function rewordSchemaErrors(raw: SchemaError[], document: unknown): WorkflowProblem[] {
  const errors = raw.map((e) => ({ ...e, path: pathOf(e.instancePath) }));
  const notATask = new Set<string>();
  const real = errors.filter((e) => {
    if (e.keyword === "oneOf" || e.keyword === "anyOf" || e.keyword === "not") return false;
    const value = valueAt(document, e.path);
    const object = value !== null && typeof value === "object" && !Array.isArray(value)
      ? value as Record<string, unknown>
      : undefined;
    const missing = e.params.missingProperty;
    if (e.keyword === "required" && typeof missing === "string" && BRANCH_FIELDS.has(missing)) {
      if (object && !DSL_TASK_KINDS.some((kind) => kind in object)) notATask.add(e.path);
      return false;
    }
    const unevaluated = e.params.unevaluatedProperty;
    if (e.keyword === "unevaluatedProperties" && typeof unevaluated === "string") {
      // Another kind's branch rejecting this task's own kind field, or a field of a kind
      // whose value failed deeper down (then it was never "evaluated").
      if (BRANCH_FIELDS.has(unevaluated)) return false;
      if (errors.some((o) => o.path.startsWith(`${e.path}/${unevaluated}`))) return false;
    }
    if (e.keyword === "const" && e.path.endsWith("/call")) return false; // call: http vs grpc…
    return true;
  });
  const under = (path: string, ancestor: string) =>
    ancestor === "" || path === ancestor || path.startsWith(`${ancestor}/`);
  const deepest = real.filter((e) => !real.some((o) => o.path !== e.path && under(o.path, e.path)));

  const problems: WorkflowProblem[] = [];
  const add = (path: string, message: string) => {
    if (!problems.some((p) => p.path === path && p.message === message)) {
      problems.push({ path, message });
    }
  };
  for (const path of notATask) {
    if (!real.some((e) => under(e.path, path) && e.path !== path)) {
      add(path, `not a task: it needs one of ${DSL_TASK_KINDS.join(", ")}`);
    }
  }
  const byPath = new Map<string, typeof deepest>();
  for (const e of deepest) byPath.set(e.path, [...byPath.get(e.path) ?? [], e]);
  for (const [path, group] of byPath) {
    if (notATask.has(path)) continue;
    const types = [...new Set(group.filter((e) => e.keyword === "type").map((e) => e.params.type))];
    const patterns = group.filter((e) => e.keyword === "pattern");
    if (patterns.length > 1) {
      add(
        path,
        `must be ${
          [...new Set(patterns.map((e) => describePattern(String(e.params.pattern))))].join(" or ")
        }`,
      );
      continue;
    }
    if (types.length > 1) {
      add(path, `must be ${types.map((t) => article(String(t))).join(" or ")}`);
      continue;
    }
    for (const e of group) {
      const missing = e.params.missingProperty;
      if (e.keyword === "required" && typeof missing === "string") {
        add(path ? `${path}/${missing}` : missing, "is missing (the DSL requires it)");
      } else add(path, reword(e));
    }
  }
  return problems;
}

const PATTERNS: Array<[RegExp, string]> = [
  [/\\\$\\\{/, "a runtime expression ${ … }"],
  [/:\/\//, "an absolute URI (like https://example.com/x)"],
];

function describePattern(pattern: string): string {
  return PATTERNS.find(([test]) => test.test(pattern))?.[1] ?? `text matching ${pattern}`;
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

function reword(e: SchemaError): string {
  const p = e.params;
  if (typeof p.missingProperty === "string") return `missing required field "${p.missingProperty}"`;
  if (typeof p.unevaluatedProperty === "string") return `unknown field "${p.unevaluatedProperty}"`;
  if (typeof p.additionalProperty === "string") return `unknown field "${p.additionalProperty}"`;
  if (e.keyword === "maxProperties" && p.limit === 1) {
    return "each entry must be a single {name: task} object";
  }
  if (Array.isArray(p.allowedValues)) return `must be one of ${p.allowedValues.join(", ")}`;
  if (e.keyword === "const") return `must be ${JSON.stringify(p.allowedValue)}`;
  if (e.keyword === "pattern") return `must be ${describePattern(String(p.pattern))}`;
  if (typeof p.type === "string") return `must be ${article(p.type)}`;
  return e.message ?? "does not match the DSL's schema";
}
