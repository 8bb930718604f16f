// What a resource refers to by name (an agent's skills, MCP servers and
// environment, a workflow's agents), and where in it. The CLI checks them
// against its batch; the backend against its store, in the apply transaction.
import type { Kind } from "./resource.ts";
import type { KeyPath } from "./problems.ts";
import { workflowAgentRefPaths } from "./workflow.ts";

export interface Reference {
  kind: Kind;
  /** A name, slug or id, as `stigmer get` and the runtime resolve it. */
  name: string;
  /** Where it is written, from the resource's root (e.g. spec.skills[0]). */
  path: KeyPath;
}

export function referencesOf(resource: { kind: Kind; spec: Record<string, unknown> }): Reference[] {
  const spec = resource.spec;
  const refs: Reference[] = [];
  if (resource.kind === "Agent") {
    const list = (field: string, kind: Kind) => {
      const names = spec[field];
      if (Array.isArray(names)) {
        names.forEach((name, i) =>
          typeof name === "string" && refs.push({ kind, name, path: ["spec", field, i] })
        );
      }
    };
    list("skills", "Skill");
    list("mcpServers", "McpServer");
    if (typeof spec.env === "string") {
      refs.push({ kind: "Environment", name: spec.env, path: ["spec", "env"] });
    }
  }
  if (resource.kind === "Workflow") {
    for (const ref of workflowAgentRefPaths(spec)) {
      refs.push({ kind: "Agent", name: ref.name, path: ["spec", ...ref.path] });
    }
  }
  return refs;
}

/** The message for a reference that names nothing; `where` says where it was looked for. */
export function missingReferenceMessage(ref: Pick<Reference, "kind" | "name">, where: string) {
  return `${ref.kind} "${ref.name}" not found: no ${ref.kind} of that name ${where}`;
}
