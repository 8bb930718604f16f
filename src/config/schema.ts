// The shape of config.yaml, checked with zod. Unknown keys are allowed through
// here and reported as warnings by the loader.
import { z } from "zod";
import { parseDuration } from "./duration.ts";
import { BACKEND_TYPES, LLM_PROVIDERS } from "./defaults.ts";

const DURATION_EXPECTED = 'expected a duration such as "30s", "10m", "3h" or 0';

// One message for a wrong type and a bad string alike (zod's default for a
// union is a bare "Invalid input").
const duration = z.union([z.string(), z.number()], { error: DURATION_EXPECTED }).refine(
  (v) => parseDuration(v) !== undefined,
  { message: DURATION_EXPECTED },
);

/** An enum whose error names the value given as well as the choices (SPEC §4). */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (issue) =>
      `unknown ${what} ${JSON.stringify(issue.input)}: expected one of ${values.join(", ")}`,
  });
}

const endpoint = z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, {
  message: 'expected HOST:PORT, such as "127.0.0.1:50051" (port 0 picks a free port)',
});

export const llmSchema = z.looseObject({
  provider: oneOf(LLM_PROVIDERS, "LLM provider").optional(),
  model: z.string().optional(),
  base_url: z.url({ message: "expected a URL such as http://localhost:11434" }).optional(),
  api_key_env: z.string().optional(),
  /** A secret (stigmer secret set NAME) holding the API key; wins over api_key_env. */
  api_key_secret: z.string().optional(),
});

export const configSchema = z.looseObject({
  backend: z.looseObject({
    type: oneOf(BACKEND_TYPES, "backend type").optional(),
    local: z.looseObject({
      endpoint: endpoint.optional(),
      data_dir: z.string().min(1).optional(),
      idle_timeout: duration.optional(),
      startup_timeout: duration.optional(),
      // Hosts that workflows' `call: http` tasks may reach, comma-separated; "*" for any.
      allowed_hosts: z.string().optional(),
      llm: llmSchema.optional(),
    }).optional(),
    cloud: z.looseObject({
      endpoint: z.string().optional(),
      org_id: z.string().optional(),
      ca_file: z.string().optional(),
      insecure: z.boolean().optional(),
    }).optional(),
  }).optional(),
  context: z.looseObject({ organization: z.string().optional() }).optional(),
}).nullable();

export type ConfigFile = NonNullable<z.infer<typeof configSchema>>;

/** Every key the schema knows, as dotted paths, to spot unknown ones. */
export const KNOWN_KEYS = new Set([
  "backend",
  "backend.type",
  "backend.local",
  "backend.local.endpoint",
  "backend.local.data_dir",
  "backend.local.idle_timeout",
  "backend.local.startup_timeout",
  "backend.local.allowed_hosts",
  "backend.local.llm",
  "backend.local.llm.provider",
  "backend.local.llm.model",
  "backend.local.llm.base_url",
  "backend.local.llm.api_key_env",
  "backend.local.llm.api_key_secret",
  "backend.cloud",
  "backend.cloud.endpoint",
  "backend.cloud.org_id",
  "backend.cloud.ca_file",
  "backend.cloud.insecure",
  "context",
  "context.organization",
]);
