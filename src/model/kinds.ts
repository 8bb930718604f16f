// The manifest of each kind (SPEC §8) as zod schemas, plus the checks zod
// cannot express (exactly one of two fields). A Workflow's spec is checked by the engine
// (the DSL's JSON Schema, then what the engine runs): see project/workflow_check.ts.
import leven from "leven";
import { z } from "zod";
import { API_VERSION, type JsonObject, type Kind, KINDS } from "./resource.ts";
import { MAX_NAME_LENGTH, slugify } from "./slug.ts";
import { unsafeCharacterProblem } from "./unsafe_text.ts";
import { isPlainObject, type Problem, strictObject, zodProblems } from "./problems.ts";
import { sizeProblems } from "./size_checks.ts";
import { workflowSpecSchema } from "./workflow.ts";

export { workflowAgentRefPaths, workflowAgentRefs } from "./workflow.ts";

const text = z.string().min(1);
const stringMap = z.record(z.string(), z.string());
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().regex(
  ENV_NAME,
  "expected an environment variable name: letters, digits and _",
);

/** No control, format or invalid characters: they cut names short and forge table lines. */
function printable<T extends z.ZodString>(schema: T) {
  return schema.superRefine((value, ctx) => {
    const problem = unsafeCharacterProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

export const metadataSchema = strictObject({
  name: printable(z.string().min(1).max(MAX_NAME_LENGTH)).refine(
    (name) => name === "" || slugify(name) !== "",
    {
      message: "must contain at least one letter or digit",
    },
  ),
  labels: z.record(printable(z.string()), printable(z.string())).optional(),
  annotations: stringMap.optional(),
});

const mcpServerFields = {
  description: z.string().optional(),
  stdio: strictObject({
    command: text,
    args: z.array(z.string()).optional(),
    env: z.record(envName, z.string()).optional(),
    cwd: text.optional(),
  }).optional(),
  http: strictObject({
    url: z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }),
    headers: stringMap.optional(),
  }).optional(),
  /** The tools the model sees; all when left out. */
  enabledTools: z.array(text).optional(),
};

export const mcpServerSpecSchema = strictObject(mcpServerFields);

/** An McpServer written inside an Agent (SPEC §10): a name and the McpServer fields. */
const inlineMcpServer = strictObject({ name: text, ...mcpServerFields });

const maxSteps = z.number().int().min(1).max(1000);

const agentFields = {
  instructions: text,
  description: z.string().optional(),
  model: strictObject({ provider: text.optional(), name: text.optional() }).optional(),
  skills: z.array(text).optional(),
  /** McpServer resources by name, or servers written inline. */
  mcpServers: z.array(z.union([text, inlineMcpServer])).optional(),
  env: text.optional(),
  maxSteps: maxSteps.optional(),
};

/** A sub-agent: offered to the model as a tool, run with its own instructions and tools. */
const subAgent = strictObject({ name: text, ...agentFields });

export const agentSpecSchema = strictObject({
  ...agentFields,
  subAgents: z.array(subAgent).optional(),
});

export const skillSpecSchema = strictObject({
  description: text,
  content: text.optional(),
  path: text.refine((p) => !p.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(p), {
    message: "must be a path relative to the manifest",
  }).optional(),
});

const secretRef = strictObject(
  { ref: text },
  "expected a secret reference such as {ref: openai-api-key}; secret values are never written in manifests",
);

export const environmentSpecSchema = strictObject({
  description: z.string().optional(),
  variables: z.record(envName, z.string()).optional(),
  secrets: z.record(envName, secretRef).optional(),
});

interface KindRule {
  spec: z.ZodType;
  /** Checks across fields, run on the raw spec even when zod found problems. */
  check?: (spec: Record<string, unknown>) => Problem[];
  /** When the spec may be left out. */
  defaultSpec?: JsonObject;
}

function exactlyOne(spec: Record<string, unknown>, a: string, b: string, what: string): Problem[] {
  const hasA = spec[a] !== undefined;
  const hasB = spec[b] !== undefined;
  if (hasA && hasB) {
    return [{ path: ["spec", b], at: "key", message: `use either ${a} or ${b}, not both` }];
  }
  if (!hasA && !hasB) return [{ path: ["spec"], at: "key", message: `needs ${what}` }];
  return [];
}

function noRepeats(spec: Record<string, unknown>, field: string): Problem[] {
  const list = spec[field];
  if (!Array.isArray(list)) return [];
  const problems: Problem[] = [];
  list.forEach((item, index) => {
    if (list.indexOf(item) !== index) {
      problems.push({ path: ["spec", field, index], message: `"${item}" is listed twice` });
    }
  });
  return problems;
}

/** Each inline MCP server needs exactly one of stdio and http, as an McpServer does. */
function inlineMcpChecks(spec: Record<string, unknown>): Problem[] {
  const list = spec.mcpServers;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, index) =>
    isPlainObject(entry)
      ? exactlyOne(entry, "stdio", "http", "either stdio {command, args} or http {url}").map(
        (p) => ({ ...p, path: ["spec", "mcpServers", index, ...p.path.slice(1)] }),
      )
      : []
  );
}

const RULES: Record<Kind, KindRule> = {
  Agent: {
    spec: agentSpecSchema,
    check: (spec) => [
      ...noRepeats(spec, "skills"),
      ...noRepeats(spec, "mcpServers"),
      ...inlineMcpChecks(spec),
    ],
  },
  // Its content: project/workflow_check.ts (the engine's check; the model imports nothing).
  Workflow: { spec: workflowSpecSchema },
  Skill: {
    spec: skillSpecSchema,
    check: (spec) =>
      exactlyOne(spec, "content", "path", "either content (markdown) or path (a SKILL.md file)"),
  },
  McpServer: {
    spec: mcpServerSpecSchema,
    check: (spec) =>
      exactlyOne(spec, "stdio", "http", "either stdio {command, args} or http {url}"),
  },
  Environment: {
    spec: environmentSpecSchema,
    defaultSpec: {},
    check: (spec) => {
      const variables = isPlainObject(spec.variables) ? spec.variables : {};
      const secrets = isPlainObject(spec.secrets) ? spec.secrets : {};
      return Object.keys(secrets).filter((name) => name in variables).map((name) => ({
        path: ["spec", "secrets", name],
        at: "key" as const,
        message: `"${name}" is both a variable and a secret; keep one`,
      }));
    },
  },
};

/** The envelope every manifest shares; `kind` is checked before. */
function manifestSchema(kind: Kind): z.ZodType {
  const rule = RULES[kind];
  return strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: metadataSchema,
    spec: rule.defaultSpec ? rule.spec.optional() : rule.spec,
  });
}

const SCHEMAS = Object.fromEntries(KINDS.map((kind) => [kind, manifestSchema(kind)])) as Record<
  Kind,
  z.ZodType
>;

/** A manifest that passed validation. */
export interface ValidManifest {
  kind: Kind;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
}

export function isKind(value: unknown): value is Kind {
  return (KINDS as readonly unknown[]).includes(value);
}

/** Validates one manifest, reporting every problem found in it. */
export function validateManifest(
  value: unknown,
): { manifest?: ValidManifest; problems: Problem[] } {
  if (!isPlainObject(value)) {
    return {
      problems: [{
        path: [],
        message: "expected a mapping with apiVersion, kind, metadata and spec",
      }],
    };
  }
  if (!isKind(value.kind)) return { problems: [kindProblem(value.kind)] };
  const kind = value.kind;
  const result = SCHEMAS[kind].safeParse(value, { reportInput: true });
  const problems = result.success ? [] : zodProblems(result.error.issues, value);
  if (isPlainObject(value.spec)) problems.push(...(RULES[kind].check?.(value.spec) ?? []));
  problems.push(...sizeProblems(value));
  if (!result.success || problems.length > 0) return { problems };

  const data = result.data as {
    metadata: {
      name: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    spec?: JsonObject;
  };
  return {
    problems,
    manifest: {
      kind,
      name: data.metadata.name,
      labels: data.metadata.labels ?? {},
      annotations: data.metadata.annotations ?? {},
      spec: data.spec ?? { ...RULES[kind].defaultSpec },
    },
  };
}

function kindProblem(kind: unknown): Problem {
  const expected = `expected one of: ${KINDS.join(", ")}`;
  if (kind === undefined) return { path: ["kind"], message: `is missing; ${expected}` };
  if (typeof kind !== "string") {
    return { path: ["kind"], message: `expected a kind name; ${expected}` };
  }
  const guess = KINDS.find((k) => k.toLowerCase() === kind.toLowerCase() || leven(k, kind) <= 2);
  return {
    path: ["kind"],
    message: `unknown kind "${kind}"; ${expected}${guess ? ` (did you mean ${guess}?)` : ""}`,
  };
}
