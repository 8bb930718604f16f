// The resource model shared by the CLI, the daemon and the store.

export const API_VERSION = "agentic.stigmer.ai/v1";

export const KINDS = ["Agent", "Workflow", "Skill", "McpServer", "Environment"] as const;
export type Kind = typeof KINDS[number];

/** Id prefixes per SPEC §7: `<prefix>-<lowercase ULID>`. */
export const ID_PREFIX: Record<Kind, string> = {
  Agent: "agt",
  Workflow: "wfl",
  Skill: "skl",
  McpServer: "mcp",
  Environment: "env",
};

export type JsonObject = { [key: string]: unknown };

export interface ResourceMetadata {
  name: string;
  slug: string;
  org: string;
  id: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  version: number;
  project: string;
  createdAt: string;
  updatedAt: string;
}

export interface Resource {
  apiVersion: string;
  kind: Kind;
  metadata: ResourceMetadata;
  spec: JsonObject;
  status: JsonObject;
}

/** What a manifest declares, before the store gives it an id and version. */
export interface ResourceInput {
  kind: Kind;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
  project: string;
  /**
   * What it refers to by name, slug or id: each must exist in the organization
   * once the batch is applied, or the store refuses the batch.
   */
  references?: { kind: Kind; name: string }[];
}

export type ApplyAction = "CREATED" | "UPDATED" | "UNCHANGED" | "DELETED";

export interface ApplyOutcome {
  action: ApplyAction;
  resource: Resource;
}
