// The one check of a Workflow manifest's spec: the engine's (the DSL's JSON Schema, then
// prepareWorkflow, the code that runs the workflow), at apply, --dry-run and in the
// server's apply. The schema's validator loads on first use: await loadWorkflowSchema()
// before the synchronous workflowSpecProblems (the manifest readers do).
import { checkWorkflowDocument } from "../engine/validate.ts";
import type { KeyPath, Problem } from "../model/problems.ts";

export { loadWorkflowSchema } from "../engine/validate.ts";

/** Every problem with a workflow spec, at key paths under `prefix` (e.g. ["spec"]). */
export function workflowSpecProblems(spec: unknown, prefix: KeyPath): Problem[] {
  return checkWorkflowDocument(spec).map((problem) => ({
    path: [...prefix, ...keyPathOf(problem.path)],
    message: problem.message,
  }));
}

/** "do/0/greet/with" → ["do", 0, "greet", "with"]. */
function keyPathOf(path: string): KeyPath {
  if (path === "") return [];
  return path.split("/").map((segment) =>
    /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment
  );
}
