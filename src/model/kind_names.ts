// Kinds as people type them: singular, plural or short, any case.
import { type Kind, KINDS } from "./resource.ts";
import { UsageError } from "../errors.ts";

const ALIASES: Record<string, Kind> = {
  agent: "Agent",
  agents: "Agent",
  ag: "Agent",
  workflow: "Workflow",
  workflows: "Workflow",
  wf: "Workflow",
  skill: "Skill",
  skills: "Skill",
  sk: "Skill",
  mcpserver: "McpServer",
  mcpservers: "McpServer",
  mcp: "McpServer",
  environment: "Environment",
  environments: "Environment",
  env: "Environment",
};

export function parseKind(text: string): Kind {
  const kind = ALIASES[text.toLowerCase().replace(/[-_]/g, "")];
  if (!kind) {
    throw new UsageError(`unknown kind "${text}"`, {
      hint: `kinds are: ${
        KINDS.map((k) => k.toLowerCase()).join(", ")
      } (singular, plural or short)`,
    });
  }
  return kind;
}

/** "agents" for lists and messages. */
export function pluralOf(kind: Kind): string {
  return `${kind.toLowerCase()}s`;
}
