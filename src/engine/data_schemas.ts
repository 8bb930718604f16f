// `input.schema` and `output.schema` (of the workflow and of tasks): JSON Schemas the data
// must match, checked with ajv (draft 2020-12), loaded only when a workflow declares one
// (importing it costs ~0.6 s, compiling a first schema as much again: measured on the
// loaded test machine). Compiled schemas are kept per text.
import { workflowError } from "./errors.ts";

interface Compiled {
  (value: unknown): boolean;
  errors?: Array<{ instancePath: string; message?: string }> | null;
}

type Compile = (schema: object) => Compiled;

let compile: Compile | undefined;
let loading: Promise<void> | undefined;
const cache = new Map<string, Compiled>();
const MAX_CACHED = 256;

/** A schema a workflow declares: `{format?: json, document: {…}}`. */
export interface DataSchema {
  document: object;
}

/** Loads ajv (once). */
export function loadDataSchemas(): Promise<void> {
  loading ??= import("ajv/dist/2020.js").then((module) => {
    const Ajv = module.Ajv2020;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    compile = (schema) => ajv.compile(schema) as Compiled;
  });
  return loading;
}

/** Checks the shape of `schema`, reporting problems; undefined when there is none. */
export function prepareDataSchema(
  value: unknown,
  problem: (message: string) => void,
): DataSchema | undefined {
  if (value === undefined) return undefined;
  const spec = value as { format?: unknown; document?: unknown; resource?: unknown } | null;
  if (spec === null || typeof spec !== "object") {
    problem("must be {format: json, document: {…a JSON Schema…}}");
    return undefined;
  }
  if (spec.format !== undefined && !/^json(:.*)?$/.test(String(spec.format))) {
    problem(`schemas in the ${String(spec.format)} format are not checked here (json only)`);
    return undefined;
  }
  if (spec.resource !== undefined) {
    problem("schemas from a resource are not loaded yet: write the schema in `document`");
    return undefined;
  }
  if (spec.document === null || typeof spec.document !== "object") {
    problem("needs document: the JSON Schema itself");
    return undefined;
  }
  return { document: spec.document };
}

/** Throws a validation error (status 400) when `value` does not match `schema`. */
export function checkData(schema: DataSchema, value: unknown, what: string): void {
  if (!compile) throw new Error("data schemas are not loaded: await loadDataSchemas()");
  const key = JSON.stringify(schema.document);
  let validate = cache.get(key);
  if (!validate) {
    try {
      validate = compile(schema.document);
    } catch (error) {
      throw workflowError(
        "configuration",
        `${what}: the schema is not valid: ${(error as Error).message}`,
      );
    }
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, validate);
  }
  if (validate(value)) return;
  const reasons = (validate.errors ?? []).slice(0, 5).map((e) =>
    `${e.instancePath || "(the value)"} ${e.message ?? "is not valid"}`
  );
  throw workflowError("validation", `${what} does not match its schema: ${reasons.join("; ")}`, {
    title: "Schema validation failed",
  });
}
