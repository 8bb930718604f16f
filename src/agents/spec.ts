// An agent as a run needs it: the system prompt (instructions and skills), the
// model name, maxSteps, and its MCP servers resolved (by name from the store,
// or inline in the agent's spec).
import type { ResourceStore } from "../store/store.ts";
import type { McpServerConfig } from "../mcp/client.ts";

export class AgentNotFoundError extends Error {}

export interface ResolvedAgent {
  name: string;
  instructions: string;
  model?: string;
  maxSteps?: number;
  mcpServers: McpServerConfig[];
}

type McpSpec = Omit<McpServerConfig, "name">;

interface AgentSpec {
  instructions?: string;
  skills?: string[];
  model?: { name?: string };
  maxSteps?: number;
  mcpServers?: (string | (McpSpec & { name: string }))[];
}

export async function loadAgent(
  store: ResourceStore,
  org: string,
  ref: string,
): Promise<ResolvedAgent> {
  const agent = await store.get(org, "Agent", ref);
  if (!agent) throw new AgentNotFoundError(`Agent "${ref}" not found in organization ${org}`);
  const spec = agent.spec as AgentSpec;
  let instructions = spec.instructions ?? "";
  for (const name of spec.skills ?? []) {
    const skill = await store.get(org, "Skill", name);
    const content = skill?.spec as { content?: string; description?: string } | undefined;
    if (content) {
      instructions += `\n\n## Skill: ${name}\n${content.description ?? ""}\n${
        content.content ?? ""
      }`;
    }
  }
  const mcpServers: McpServerConfig[] = [];
  for (const entry of spec.mcpServers ?? []) {
    if (typeof entry === "string") {
      const server = await store.get(org, "McpServer", entry);
      if (!server) {
        throw new AgentNotFoundError(
          `agent ${agent.metadata.name} uses McpServer "${entry}", which is not in organization ${org}; apply it first`,
        );
      }
      mcpServers.push({ name: entry, ...(server.spec as McpSpec) });
    } else {
      mcpServers.push(entry);
    }
  }
  return {
    name: agent.metadata.name,
    instructions,
    model: spec.model?.name,
    maxSteps: spec.maxSteps,
    mcpServers,
  };
}
