// The names a batch of resources refers to, by kind: an agent's skills, MCP
// servers and environment, a workflow's agents.
import type { Kind } from "./resource.ts";
import type { DeclaredResource } from "../project/manifest.ts";
import { workflowAgentRefs } from "./workflow.ts";

export function referencedNames(
  resources: Pick<DeclaredResource, "kind" | "spec">[],
): Map<Kind, Set<string>> {
  const refs = new Map<Kind, Set<string>>();
  const add = (kind: Kind, name: unknown) => {
    if (typeof name !== "string") return;
    if (!refs.has(kind)) refs.set(kind, new Set());
    refs.get(kind)!.add(name);
  };
  for (const r of resources) {
    if (r.kind === "Agent") {
      for (const s of (r.spec.skills as unknown[] | undefined) ?? []) add("Skill", s);
      for (const m of (r.spec.mcpServers as unknown[] | undefined) ?? []) add("McpServer", m);
      add("Environment", r.spec.env);
    }
    if (r.kind === "Workflow") { for (const a of workflowAgentRefs(r.spec)) add("Agent", a); }
  }
  return refs;
}
