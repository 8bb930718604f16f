/**
 * The Stigmer SDK: declare agents, workflows, skills, MCP servers and
 * environments in TypeScript, then hand them to the CLI with {@link synth}.
 *
 * ```ts
 * import { agent, callAgent, skill, synth, workflow } from "@stigmer/sdk";
 *
 * const style = skill({ name: "house-style", description: "How we write", content: "# Style\n..." });
 * const writer = agent({ name: "writer", instructions: "You write short, friendly notes.", skills: [style] });
 * const notes = workflow({ name: "notes", do: [{ draft: callAgent(writer, "Write a note about ${ .topic }") }] });
 *
 * synth(notes); // also declares writer and style, which notes uses
 * ```
 *
 * Set `main: main.ts` in Stigmer.yaml and run `stigmer apply`: the CLI runs the
 * program with `deno run` (no network, no writes, reads only the project) and
 * validates what it declares like YAML manifests, reporting problems at the
 * line of the builder call. A program that throws, exits non-zero, runs past
 * 30 s or never calls synth() stops `apply` with exit code 2 and the end of its
 * error output; nothing is applied. This file has no imports so that it ships alone.
 *
 * The CLI writes this module to `.stigmer/sdk/mod.ts` in the project on every
 * apply. For your editor and `deno check`, map it in the project's deno.json:
 * `{ "imports": { "@stigmer/sdk": "./.stigmer/sdk/mod.ts" } }`.
 *
 * @module
 */

/** The API version of every manifest. */
export const API_VERSION = "agentic.stigmer.ai/v1";

// Must match src/project/synth.ts, which parses this output.
const SYNTH_BEGIN = "--- stigmer synth begin v1 ---";
const SYNTH_END = "--- stigmer synth end ---";

/** Fields every resource accepts. */
export interface ResourceProps {
  /** Unique per kind in the organization; at most 63 characters. Its slug is the lowercase, dashed form. */
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A declared resource: a manifest, as the CLI reads it. */
export interface Resource<K extends string = string, S = unknown> {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: K;
  readonly metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  readonly spec: S;
}

// ---- Skill ----

export interface SkillSpec {
  description: string;
  content?: string;
  path?: string;
}
export type SkillResource = Resource<"Skill", SkillSpec>;

/** A skill: markdown guidance given to agents. Either `content` or `path`, not both. */
export type SkillProps =
  & ResourceProps
  & { description: string }
  & (
    /** The skill's markdown. */
    | { content: string; path?: never }
    /** A SKILL.md file (or a folder holding one), relative to the project's main file. */
    | { path: string; content?: never }
  );

/** Declares a Skill. */
export function skill(props: SkillProps): SkillResource {
  const { description, content, path } = props;
  return declare("Skill", props, { description, content, path }, []);
}

// ---- McpServer ----

export interface StdioServer {
  /** The program to start, e.g. "npx". */
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}
export interface HttpServer {
  /** An http:// or https:// URL. */
  url: string;
  headers?: Record<string, string>;
}
export interface McpServerSpec {
  description?: string;
  stdio?: StdioServer;
  http?: HttpServer;
}
export type McpServerResource = Resource<"McpServer", McpServerSpec>;

/** An MCP server reached either through a local program (stdio) or over HTTP. */
export type McpServerProps =
  & ResourceProps
  & { description?: string }
  & ({ stdio: StdioServer; http?: never } | { http: HttpServer; stdio?: never });

/** Declares an McpServer. */
export function mcpServer(props: McpServerProps): McpServerResource {
  const { description, stdio, http } = props;
  return declare("McpServer", props, { description, stdio, http }, []);
}

// ---- Environment ----

/** A reference to a secret kept by the backend; secret values never appear in code. */
export interface SecretRef {
  ref: string;
}

/** `secret("openai-api-key")` → `{ref: "openai-api-key"}`. */
export function secret(ref: string): SecretRef {
  return { ref };
}

export interface EnvironmentSpec {
  description?: string;
  variables?: Record<string, string>;
  secrets?: Record<string, SecretRef>;
}
export type EnvironmentResource = Resource<"Environment", EnvironmentSpec>;
export type EnvironmentProps = ResourceProps & EnvironmentSpec;

/** Declares an Environment: variables and secret references given to agents. */
export function environment(props: EnvironmentProps): EnvironmentResource {
  const { description, variables, secrets } = props;
  return declare("Environment", props, { description, variables, secrets }, []);
}

// ---- Agent ----

export interface ModelChoice {
  /** e.g. "ollama" or "openai". */
  provider?: string;
  /** e.g. "qwen2.5-coder:7b". */
  name?: string;
}

export interface AgentSpec {
  instructions: string;
  description?: string;
  model?: ModelChoice;
  skills?: string[];
  mcpServers?: string[];
  env?: string;
}
export type AgentResource = Resource<"Agent", AgentSpec>;

export interface AgentProps extends ResourceProps {
  /** The agent's system prompt. */
  instructions: string;
  description?: string;
  model?: ModelChoice;
  /** Skills by name, or the skill objects themselves (which are then declared too). */
  skills?: (string | SkillResource)[];
  mcpServers?: (string | McpServerResource)[];
  env?: string | EnvironmentResource;
}

/** Declares an Agent. Resources passed as objects are synthesized along with it. */
export function agent(props: AgentProps): AgentResource {
  const refs: (string | Resource)[] = [
    ...(props.skills ?? []),
    ...(props.mcpServers ?? []),
    ...(props.env ? [props.env] : []),
  ];
  const spec: AgentSpec = {
    instructions: props.instructions,
    description: props.description,
    model: props.model,
    skills: props.skills?.map(nameOf),
    mcpServers: props.mcpServers?.map(nameOf),
    env: props.env === undefined ? undefined : nameOf(props.env),
  };
  return declare("Agent", props, spec, refs.filter(isResource));
}

// ---- Workflow ----

/** A task of a CNCF Serverless Workflow 1.0 document: one of set, call, switch, for, try, wait, raise, do, … */
export interface Task {
  set?: Record<string, unknown> | string;
  call?: string;
  with?: Record<string, unknown>;
  switch?: Record<string, { when?: string; then?: string }>[];
  for?: { each?: string; in: string; at?: string };
  while?: string;
  try?: TaskList;
  catch?: {
    errors?: Record<string, unknown>;
    as?: string;
    when?: string;
    do?: TaskList;
    [key: string]: unknown;
  };
  wait?: string | {
    days?: number;
    hours?: number;
    minutes?: number;
    seconds?: number;
    milliseconds?: number;
  };
  raise?: { error: string | { type: string; status: number; title?: string; detail?: string } };
  do?: TaskList;
  emit?: Record<string, unknown>;
  listen?: Record<string, unknown>;
  run?: Record<string, unknown>;
  fork?: { branches: TaskList; compete?: boolean };
  if?: string;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  export?: Record<string, unknown>;
  timeout?: unknown;
  /** The next task by name, or "continue", "exit", "end". */
  then?: string;
  metadata?: Record<string, unknown>;
}

/** Tasks in order, each a single-entry object `{taskName: task}`. */
export type TaskList = Record<string, Task>[];

/** The `document` block of a workflow. */
export interface WorkflowDocument {
  dsl: string;
  namespace: string;
  name: string;
  version: string;
  title?: string;
  summary?: string;
  tags?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

export interface WorkflowSpec {
  document: WorkflowDocument;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  do: TaskList;
  [key: string]: unknown;
}
export type WorkflowResource = Resource<"Workflow", WorkflowSpec>;

export interface WorkflowProps extends ResourceProps {
  /** Defaults: dsl "1.0.0", namespace "default", the workflow's name, version "0.1.0". */
  document?: Partial<WorkflowDocument>;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  do: TaskList;
}

// Agents named by callAgent tasks, so that workflow() can declare them too.
const taskAgents = new WeakMap<object, AgentResource>();

/**
 * A `call: agent` task: sends `message` (may hold `${ }` expressions) to the
 * agent. Passing the agent object also declares it when the workflow is synthesized.
 */
export function callAgent(
  agentOrName: string | AgentResource,
  message?: string,
  extra: Task = {},
): Task {
  const task: Task = { ...extra, call: "agent", with: { agent: nameOf(agentOrName), message } };
  if (isResource(agentOrName)) taskAgents.set(task, agentOrName as AgentResource);
  return task;
}

/** Declares a Workflow (a CNCF Serverless Workflow 1.0 document). */
export function workflow(props: WorkflowProps): WorkflowResource {
  const document: WorkflowDocument = {
    dsl: "1.0.0",
    namespace: "default",
    name: props.name,
    version: "0.1.0",
    ...props.document,
  };
  const agents: Resource[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== "object") return;
    const used = taskAgents.get(value);
    if (used) agents.push(used);
    for (const child of Object.values(value)) visit(child);
  };
  visit(props.do);
  return declare("Workflow", props, {
    document,
    input: props.input,
    output: props.output,
    do: props.do,
  }, agents);
}

// ---- synth ----

interface Declared {
  source?: { file: string; line: number; column: number };
  uses: Resource[];
}
const declared = new WeakMap<object, Declared>();

function declare<K extends string, S>(
  kind: K,
  props: ResourceProps,
  spec: S,
  uses: Resource[],
): Resource<K, S> {
  const resource: Resource<K, S> = {
    apiVersion: API_VERSION,
    kind,
    metadata: { name: props.name, labels: props.labels, annotations: props.annotations },
    spec,
  };
  declared.set(resource, { source: callSite(), uses });
  return resource;
}

function isResource(value: unknown): value is Resource {
  return typeof value === "object" && value !== null && declared.has(value);
}

function nameOf(value: string | Resource): string {
  return typeof value === "string" ? value : value.metadata.name;
}

// The first stack frame outside this file: the user's builder call.
function callSite(): Declared["source"] {
  const self = import.meta.url;
  for (const line of (new Error().stack ?? "").split("\n").slice(1)) {
    const match = /((?:file|https?):\/\/[^\s)]+):(\d+):(\d+)/.exec(line);
    if (match && match[1] !== self) {
      return { file: match[1], line: Number(match[2]), column: Number(match[3]) };
    }
  }
  return undefined;
}

/**
 * Hands resources to the Stigmer CLI: prints them as JSON between two marker
 * lines on stdout (other output of the program is ignored). Resources they use
 * as objects (an agent's skills, a workflow's agents) are included too, once.
 * Returns the printed text.
 */
export function synth(...resources: (Resource | Resource[])[]): string {
  const ordered: Resource[] = [];
  const seen = new Set<Resource>();
  const add = (resource: Resource): void => {
    if (seen.has(resource)) return;
    seen.add(resource);
    for (const used of declared.get(resource)?.uses ?? []) add(used);
    ordered.push(resource);
  };
  for (const item of resources.flat()) {
    if (!isResource(item)) {
      throw new TypeError(
        "synth() takes resources made by agent(), workflow(), skill(), mcpServer() or environment()",
      );
    }
    add(item);
  }
  const payload = {
    version: 1,
    resources: ordered.map((resource) => ({
      manifest: resource,
      source: declared.get(resource)?.source,
    })),
  };
  const text = `${SYNTH_BEGIN}\n${JSON.stringify(payload)}\n${SYNTH_END}`;
  console.log(text);
  return text;
}
