// An agent as a run needs it: the system prompt (instructions and skills), the
// model name, maxSteps, and its MCP servers resolved (by name from the store,
// or inline in the agent's spec).
import type { ResourceStore } from "../store/store.ts";
import type { McpServerConfig } from "../mcp/client.ts";
import { substituteSecrets } from "../secrets/vault.ts";

/** A secret's clear value by name (throws with a clear message when it is not set). */
export type SecretLookup = (name: string) => Promise<string>;

async function withSecrets(
  server: McpServerConfig,
  lookup: SecretLookup,
  used: Set<string>,
): Promise<McpServerConfig> {
  const fill = async (map: Record<string, string> | undefined) => {
    if (!map) return map;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(map)) out[k] = await substituteSecrets(v, lookup, used);
    return out;
  };
  return {
    ...server,
    ...(server.stdio ? { stdio: { ...server.stdio, env: await fill(server.stdio.env) } } : {}),
    ...(server.http ? { http: { ...server.http, headers: await fill(server.http.headers) } } : {}),
  };
}

export class AgentNotFoundError extends Error {}

export interface ResolvedAgent {
  name: string;
  instructions: string;
  model?: string;
  maxSteps?: number;
  mcpServers: McpServerConfig[];
  /** Offered to the model as tools; resolved when called. */
  subAgents: (AgentSpec & { name: string })[];
}

type McpSpec = Omit<McpServerConfig, "name">;

export interface AgentSpec {
  instructions?: string;
  skills?: string[];
  model?: { name?: string };
  maxSteps?: number;
  mcpServers?: (string | (McpSpec & { name: string }))[];
  subAgents?: (AgentSpec & { name: string })[];
  description?: string;
  /** An Environment by name: its variables and secrets reach the agent's stdio MCP servers. */
  env?: string;
}

interface EnvironmentSpec {
  variables?: Record<string, string>;
  secrets?: Record<string, { ref: string }>;
}

/** An Environment's variables, with its secret references read (and their values in `used`). */
async function environmentOf(
  store: ResourceStore,
  org: string,
  agent: string,
  ref: string,
  lookup: SecretLookup,
  used: Set<string>,
): Promise<Record<string, string>> {
  const environment = await store.get(org, "Environment", ref);
  if (!environment) {
    throw new AgentNotFoundError(
      `agent ${agent} uses Environment "${ref}", which is not in organization ${org}; apply it first`,
    );
  }
  const spec = environment.spec as EnvironmentSpec;
  const values: Record<string, string> = { ...spec.variables };
  for (const [name, secret] of Object.entries(spec.secrets ?? {})) {
    values[name] = await lookup(secret.ref);
    used.add(values[name]);
  }
  return values;
}

/** The Environment comes first: what a server's own `env` says wins. */
function withEnvironment(
  server: McpServerConfig,
  environment: Record<string, string>,
): McpServerConfig {
  if (!server.stdio || Object.keys(environment).length === 0) return server;
  return { ...server, stdio: { ...server.stdio, env: { ...environment, ...server.stdio.env } } };
}

/**
 * The agent, its McpServers with `${secrets.NAME}` in env and headers filled in;
 * every secret value used is added to `used` (to be hidden in what leaves the run).
 */
export async function loadAgent(
  store: ResourceStore,
  org: string,
  ref: string,
  secrets: SecretLookup = (name) =>
    Promise.reject(new Error(`secret "${name}" is not available here`)),
  used: Set<string> = new Set(),
): Promise<ResolvedAgent> {
  const agent = await store.get(org, "Agent", ref);
  if (!agent) throw new AgentNotFoundError(`Agent "${ref}" not found in organization ${org}`);
  return await resolveAgentSpec(
    store,
    org,
    agent.metadata.name,
    agent.spec as AgentSpec,
    secrets,
    used,
  );
}

/** An agent's spec (a resource's, or a sub-agent's) made ready to run. */
export async function resolveAgentSpec(
  store: ResourceStore,
  org: string,
  name: string,
  spec: AgentSpec,
  secrets: SecretLookup,
  used: Set<string>,
): Promise<ResolvedAgent> {
  let instructions = spec.instructions ?? "";
  for (const skillName of spec.skills ?? []) {
    const skill = await store.get(org, "Skill", skillName);
    const content = skill?.spec as { content?: string; description?: string } | undefined;
    if (content) {
      instructions += `\n\n## Skill: ${skillName}\n${content.description ?? ""}\n${
        content.content ?? ""
      }`;
    }
  }
  const environment = spec.env
    ? await environmentOf(store, org, name, spec.env, secrets, used)
    : {};
  const mcpServers: McpServerConfig[] = [];
  for (const entry of spec.mcpServers ?? []) {
    if (typeof entry === "string") {
      const server = await store.get(org, "McpServer", entry);
      if (!server) {
        throw new AgentNotFoundError(
          `agent ${name} uses McpServer "${entry}", which is not in organization ${org}; apply it first`,
        );
      }
      mcpServers.push(
        withEnvironment(
          await withSecrets({ name: entry, ...(server.spec as McpSpec) }, secrets, used),
          environment,
        ),
      );
    } else {
      mcpServers.push(withEnvironment(await withSecrets(entry, secrets, used), environment));
    }
  }
  return {
    name,
    instructions,
    model: spec.model?.name,
    maxSteps: spec.maxSteps,
    mcpServers,
    subAgents: spec.subAgents ?? [],
  };
}
