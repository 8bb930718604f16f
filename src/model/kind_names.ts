// Kinds as people type them: singular, plural or short, any case.
import { type Kind, KINDS } from "./resource.ts";
import { UsageError } from "../errors.ts";
import { closest } from "./suggest.ts";

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
    // Suggest what the user would type: the plural for a plural-looking word, else the singular.
    const words = Object.keys(ALIASES).filter((a) => a.length > 3);
    const near = closest(text.toLowerCase().replace(/[-_]/g, ""), words, 1);
    const kinds = `kinds are: ${
      KINDS.map((k) => k.toLowerCase()).join(", ")
    } (singular, plural or short)`;
    throw new UsageError(`unknown kind "${text}"`, {
      hint: near.length ? `did you mean ${near[0]}? ${kinds}` : kinds,
    });
  }
  return kind;
}

/** "agents" for lists and messages. */
export function pluralOf(kind: Kind): string {
  return `${kind.toLowerCase()}s`;
}
