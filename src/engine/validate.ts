// The one check of a workflow document, at apply and before a run: the DSL's JSON Schema,
// then the engine's own preparation (prepareWorkflow: the code that runs the workflow
// decides what is runnable). Engine problems say more; a schema problem on the same spot
// (or inside a task the engine already reported) is left out.
import { byDocumentOrder, WorkflowDefinitionError, type WorkflowProblem } from "./errors.ts";
import { prepareWorkflow } from "./prepare.ts";
import { loadWorkflowSchema, schemaProblems } from "./schema/check.ts";
import type { WorkflowDocument } from "./types.ts";

export { loadWorkflowSchema, workflowSchemaLoaded } from "./schema/check.ts";

/** What prepareWorkflow refuses, without the schema. Cheap. */
export function engineProblems(document: unknown): WorkflowProblem[] {
  try {
    prepareWorkflow(document as WorkflowDocument);
    return [];
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error.problems;
    throw error;
  }
}

/**
 * Every problem with `document` (schema, then engine), in document order; empty when it
 * can run. Synchronous: call {@link loadWorkflowSchema} first (it throws otherwise).
 */
export function checkWorkflowDocument(document: unknown): WorkflowProblem[] {
  const fromSchema = schemaProblems(document);
  const fromEngine = engineProblems(document);
  const related = (a: string, b: string) =>
    a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  const taskOf = (path: string) => /^(.*?\/\d+\/[^/]+)/.exec(path)?.[1];
  const covered = (path: string) =>
    fromEngine.some((p) =>
      related(path, p.path) || (taskOf(p.path) !== undefined && taskOf(path) === taskOf(p.path))
    );
  return [...fromEngine, ...fromSchema.filter((p) => !covered(p.path))].sort(byDocumentOrder);
}

/** {@link checkWorkflowDocument} after loading the schema. */
export async function validateWorkflowDocument(document: unknown): Promise<WorkflowProblem[]> {
  await loadWorkflowSchema();
  return checkWorkflowDocument(document);
}
