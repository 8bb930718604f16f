// The secrets a workflow run sees (SPEC §11, DSL "Secret"): with `use.secrets`, exactly
// the declared ones, each of which must exist when the run starts; without it, every
// secret of the organization for a workflow that mentions `$secrets`. A secret that
// holds a JSON object (e.g. {"username": …, "password": …} for `basic: {use: name}`)
// is seen as that object.
import { workflowError } from "./errors.ts";
import type { WorkflowDocument } from "./types.ts";

/** Where a run reads secret values: the local daemon's vault. */
export interface SecretLookup {
  get(org: string, name: string): Promise<string>;
  all(org: string): Promise<Record<string, string>>;
}

/** The names in `use.secrets`, or undefined when the workflow declares none. */
export function declaredSecrets(document: WorkflowDocument): string[] | undefined {
  const names = (document.use as { secrets?: unknown } | undefined)?.secrets;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : undefined;
}

/**
 * The `$secrets` of one run, or undefined when the workflow uses none. `hide` receives
 * every clear value (and every string inside a JSON secret) before anything runs.
 */
export async function workflowSecrets(
  document: WorkflowDocument,
  source: SecretLookup | undefined,
  org: string,
  hide: (values: string[]) => void,
): Promise<Record<string, unknown> | undefined> {
  const declared = declaredSecrets(document);
  let clear: Record<string, string>;
  if (declared !== undefined) {
    clear = {};
    for (const name of declared) {
      if (!source) {
        throw missing(name, `this backend keeps no secrets, so secret "${name}" cannot be read`);
      }
      try {
        clear[name] = await source.get(org, name);
      } catch (error) {
        throw missing(name, (error as Error).message);
      }
    }
  } else if (source && JSON.stringify(document).includes("$secrets")) {
    clear = await source.all(org);
  } else {
    return undefined;
  }
  const values: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(clear)) {
    values[name] = structured(text);
    hide([text, ...strings(values[name])]);
  }
  return values;
}

function missing(name: string, message: string) {
  const summary = message.includes("stigmer secret set")
    ? message
    : `${message}; set it with: stigmer secret set ${name}`;
  return workflowError("authorization", `use.secrets: ${summary}`, {
    title: "Secret not available",
  });
}

/** A secret holding a JSON object is that object; anything else stays the text. */
function structured(text: string): unknown {
  if (!text.trimStart().startsWith("{")) return text;
  try {
    const parsed = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : text;
  } catch {
    return text;
  }
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}
