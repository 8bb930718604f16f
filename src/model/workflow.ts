// Workflow specs: a CNCF Serverless Workflow 1.0 document. One check decides what is
// valid, the engine's (the DSL's JSON Schema, then the engine's own preparation, the code
// that runs the workflow): project/workflow_check.ts runs it for every Workflow manifest.
// Here: only the shape zod can say (a mapping), and the agents a workflow calls.
import { z } from "zod";
import { isPlainObject, type KeyPath } from "./problems.ts";

/** Any mapping: its content is the engine's to check. */
export const workflowSpecSchema = z.record(z.string(), z.unknown(), {
  error: "expected a mapping: a Serverless Workflow document {document, do, …}",
});

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
