// Checks a ResourceInput at the store boundary and serializes it once, so the
// store compares and writes the same strings. Shared by every store engine.
import { type Kind, KINDS, type ResourceInput } from "../model/resource.ts";
import { slugify } from "../model/slug.ts";
import { unsafeCharacterProblem } from "../model/unsafe_text.ts";
import { canonicalJson } from "./canonical_json.ts";
import { ConflictError, InvalidInputError } from "./errors.ts";

export interface PreparedInput {
  kind: Kind;
  name: string;
  slug: string;
  project: string;
  /** Canonical JSON: labels and annotations are maps, so key order carries nothing. */
  labels: string;
  annotations: string;
  /** The spec as given (key order kept for display) and in canonical form (for comparing). */
  spec: string;
  /** Made only when needed: an unchanged spec usually arrives as the very same text. */
  readonly specCanonical: string;
}

export function isKind(kind: unknown): kind is Kind {
  return (KINDS as readonly unknown[]).includes(kind);
}

export function prepareInput(input: ResourceInput, index: number): PreparedInput {
  const where = `resource ${index + 1}${typeof input?.name === "string" ? ` "${input.name}"` : ""}`;
  const fail = (problem: string): never => {
    throw new InvalidInputError(`${where}: ${problem}`);
  };
  if (!isKind(input?.kind)) {
    fail(`unknown kind ${JSON.stringify(input?.kind)}; expected one of ${KINDS.join(", ")}`);
  }
  if (typeof input.name !== "string" || input.name.trim() === "") fail("name is empty");
  const unsafeName = unsafeCharacterProblem(input.name);
  if (unsafeName) fail(`name ${unsafeName}`);
  const slug = slugify(input.name);
  if (slug === "") fail("name has no letters or digits to make a slug from");
  const project = input.project ?? "";
  if (typeof project !== "string") fail("project must be a string");
  const labels = stringMap(input.labels, "labels", fail);
  for (const [key, value] of Object.entries(labels)) {
    const problem = unsafeCharacterProblem(key) ?? unsafeCharacterProblem(value);
    if (problem) fail(`label "${key}" ${problem}`);
  }
  const annotations = stringMap(input.annotations, "annotations", fail);
  const spec = input.spec ?? {};
  if (!isPlainObject(spec)) fail("spec must be an object");
  let specCanonical: string | undefined;
  return {
    kind: input.kind,
    name: input.name,
    slug,
    project,
    labels: canonicalJson(labels),
    annotations: canonicalJson(annotations),
    spec: JSON.stringify(spec),
    get specCanonical() {
      return specCanonical ??= canonicalJson(spec);
    },
  };
}

function stringMap(
  value: unknown,
  field: string,
  fail: (problem: string) => never,
): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === "string")) {
    fail(`${field} must map strings to strings`);
  }
  return value as Record<string, string>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * True when a stored row already holds what the input declares: an apply of
 * it is UNCHANGED and keeps its version. JSON is compared in canonical form,
 * so key order alone is no change.
 */
export function sameContent(
  row: { name: string; project: string; labels: string; annotations: string; spec: string },
  input: PreparedInput,
): boolean {
  return row.name === input.name &&
    row.project === input.project &&
    sameJson(row.labels, input.labels) &&
    sameJson(row.annotations, input.annotations) &&
    (row.spec === input.spec || sameJson(row.spec, input.specCanonical));
}

/** Stored JSON text against a canonical form: equal text needs no parsing. */
function sameJson(stored: string, canonical: string): boolean {
  return stored === canonical || canonicalJson(JSON.parse(stored)) === canonical;
}

/**
 * Claims the input's slug within one batch (`claimed`: "Kind/slug" → name): a
 * second name with the same slug is refused, naming both.
 */
export function claimSlug(claimed: Map<string, string>, input: PreparedInput, index: number): void {
  const key = `${input.kind}/${input.slug}`;
  const first = claimed.get(key);
  if (first !== undefined) {
    const what = first === input.name
      ? `${input.kind} "${input.name}" is in the batch twice`
      : `${input.kind} "${input.name}" has the slug "${input.slug}" of ${input.kind} "${first}", also in the batch`;
    throw new InvalidInputError(`resource ${index + 1}: ${what}; rename one of them`);
  }
  claimed.set(key, input.name);
}

/**
 * A stored resource with the input's slug but another name is a conflict, not
 * an update: "slug-test!" must never take over "Slug Test".
 */
export function checkSlugOwner(stored: { name: string } | undefined, input: PreparedInput): void {
  if (stored && stored.name !== input.name) {
    throw new ConflictError(
      `${input.kind} "${input.name}" has the slug "${input.slug}" of the existing ${input.kind} ` +
        `"${stored.name}": rename it, or delete "${stored.name}" first`,
    );
  }
}
