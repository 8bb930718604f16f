// Checks a workflow document before it is stored or run: the official Serverless Workflow
// SDK's JSON schema (loaded on first use: it costs ~0.4 s) plus what this engine supports.
// The SDK reports raw JSON-schema errors; they are reworded here for people.
import { WorkflowDefinitionError, type WorkflowProblem } from "./errors.ts";
import { prepareWorkflow } from "./prepare.ts";
import type { WorkflowDocument } from "./types.ts";

/** Problems the engine itself finds (no SDK): what runWorkflow would refuse. Cheap. */
export function checkWorkflowDocument(document: unknown): WorkflowProblem[] {
  try {
    prepareWorkflow(document as WorkflowDocument);
    return [];
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error.problems;
    throw error;
  }
}

/**
 * Every problem with `document`: schema errors from the official SDK, then the engine's
 * own (unsupported tasks, unknown flow targets, bad durations…). Empty when it is valid.
 */
export async function validateWorkflowDocument(document: unknown): Promise<WorkflowProblem[]> {
  const { default: sdk } = await import("@serverlessworkflow/sdk");
  let schemaProblems: WorkflowProblem[] = [];
  try {
    sdk.validate("Workflow", document);
  } catch (error) {
    schemaProblems = rewordSchemaErrors(String((error as Error)?.message ?? error));
  }
  const covered = (path: string) =>
    schemaProblems.some((p) => path === p.path || path.startsWith(`${p.path}/`));
  const engineProblems = checkWorkflowDocument(document).filter((p) => !covered(p.path));
  return [...schemaProblems, ...engineProblems];
}

interface SchemaError {
  path: string;
  schemaPath: string;
  message: string;
  params: Record<string, unknown>;
}

const TASK_KINDS = [
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
const OTHER_CALLS = new Set(["asyncapi", "grpc", "openapi"]);

/** Turns the SDK's "- /path | #/schema | message | {params}" lines into a few plain sentences. */
export function rewordSchemaErrors(text: string): WorkflowProblem[] {
  const errors: SchemaError[] = [];
  for (const line of text.split("\n")) {
    const match = /^- (\S*) \| (\S+) \| (.+) \| (\{.*\})$/.exec(line.trim());
    if (!match) continue;
    let params: Record<string, unknown> = {};
    try {
      params = JSON.parse(match[4]);
    } catch { /* keep the message without its parameters */ }
    errors.push({
      path: match[1].replace(/^\//, ""),
      schemaPath: match[2],
      message: match[3],
      params,
    });
  }
  if (errors.length === 0) {
    return [{ path: "", message: text.split("\n")[0] || "invalid workflow" }];
  }

  // Trying each task kind in turn leaves one error per kind that did not fit: noise, unless
  // nothing more precise is said about that task.
  const kindNoise = new Set<string>();
  const real = errors.filter((e) => {
    if (/must match (exactly one|a) schema in (oneOf|anyOf)/.test(e.message)) return false;
    const missing = e.params.missingProperty;
    if (
      typeof missing === "string" && TASK_KINDS.includes(missing) &&
      /\/required$/.test(e.schemaPath)
    ) {
      kindNoise.add(e.path);
      return false;
    }
    if (
      e.path.endsWith("/call") &&
      (OTHER_CALLS.has(String(e.params.allowedValue)) || e.message === "must NOT be valid")
    ) {
      return false;
    }
    return true;
  });
  const under = (path: string, ancestor: string) =>
    path === ancestor || path.startsWith(`${ancestor}/`);
  // The deepest errors say the most; their ancestors only repeat that something below failed.
  const deepest = real.filter((e) => !real.some((o) => o.path !== e.path && under(o.path, e.path)));

  const problems: WorkflowProblem[] = [];
  const add = (path: string, message: string) => {
    if (!problems.some((p) => p.path === path && p.message === message)) {
      problems.push({ path, message });
    }
  };
  for (const path of kindNoise) {
    if (!real.some((e) => under(e.path, path))) {
      add(path, `not a task: it needs one of ${TASK_KINDS.join(", ")}`);
    }
  }
  for (const e of deepest) add(e.path, reword(e));
  return problems;
}

function reword(e: SchemaError): string {
  const p = e.params;
  if (e.schemaPath.includes("/duration/")) {
    return 'must be an ISO 8601 duration like "PT30S" or an object like {seconds: 30}';
  }
  if (/uriTemplate|runtimeExpression/.test(e.schemaPath)) {
    return "must be an absolute URI (like https://example.com/x) or a runtime expression ${ … }";
  }
  if (typeof p.missingProperty === "string") return `missing required field "${p.missingProperty}"`;
  if (typeof p.unevaluatedProperty === "string") return `unknown field "${p.unevaluatedProperty}"`;
  if (typeof p.additionalProperty === "string") return `unknown field "${p.additionalProperty}"`;
  if (p.limit === 1 && /maxProperties/.test(e.schemaPath)) {
    return "each entry must be a single {name: task} object";
  }
  if (Array.isArray(p.allowedValues)) return `must be one of ${p.allowedValues.join(", ")}`;
  if (typeof p.type === "string") {
    return `must be ${/^[aeiou]/.test(p.type) ? "an" : "a"} ${p.type}`;
  }
  return e.message;
}
