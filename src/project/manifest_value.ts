// A manifest given as a value: its shape and, for a Workflow, the engine's check.
// Apart from manifest.ts (YAML text) so the daemon, which receives values,
// loads no YAML parser to check an apply (about 28 ms of a first apply).
import type { JsonObject, Kind } from "../model/resource.ts";
import { validateManifest as validateShape, type ValidManifest } from "../model/kinds.ts";
import { formatKeyPath, isPlainObject, type Problem } from "../model/problems.ts";
import type { Diagnostic } from "../errors.ts";
import { loadWorkflowSchema, workflowSpecProblems } from "./workflow_check.ts";

/** A resource as a manifest or a program declares it, with where it was declared. */
export interface DeclaredResource {
  kind: Kind;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
  source: { file: string; line: number; column?: number };
}

export interface ManifestParseResult {
  resources: DeclaredResource[];
  diagnostics: Diagnostic[];
}

/**
 * A manifest's shape (model/kinds.ts) and, for a Workflow, the engine's check of its
 * document. Needs the workflow schema loaded: {@link prepareWorkflowCheck}.
 */
export function validateManifest(
  value: unknown,
): { manifest?: ValidManifest; problems: Problem[] } {
  const result = validateShape(value);
  if (!isPlainObject(value) || value.kind !== "Workflow" || !isPlainObject(value.spec)) {
    return result;
  }
  const problems = [...result.problems, ...workflowSpecProblems(value.spec, ["spec"])];
  return problems.length > 0 ? { problems } : result;
}

/**
 * Loads what checking a workflow needs (the DSL schema's validator, ~0.1 s) when `text`
 * may declare one; parseManifests and manifestFromValue need it for Workflow manifests.
 */
export async function prepareWorkflowCheck(text = "Workflow"): Promise<void> {
  if (text.includes("Workflow")) await loadWorkflowSchema();
}

/**
 * Validates one manifest given as a value (from a program in code mode). Every
 * diagnostic points at `source`, the place that declared it.
 */
export function manifestFromValue(
  value: unknown,
  source: { file: string; line: number; column?: number },
): ManifestParseResult {
  const { manifest, problems } = validateManifest(value);
  const diagnostics = problems.map((problem: Problem) => ({
    file: source.file,
    line: source.line,
    column: source.column ?? 0,
    path: formatKeyPath(problem.path),
    message: problem.message,
  }));
  return { resources: manifest ? [{ ...manifest, source }] : [], diagnostics };
}
