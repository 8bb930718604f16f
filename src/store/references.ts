// The reference check of an apply, shared by the stores: each store runs it
// inside its apply transaction, after the upserts and the prune, so it sees
// the organization as the batch leaves it and nothing can change in between.
import type { Kind, ResourceInput } from "../model/resource.ts";
import { slugify } from "../model/slug.ts";
import { type MissingReference, MissingReferencesError } from "./errors.ts";

/** A lookup as `get` resolves a reference: by slug, by exact name, or by id. */
export interface ReferenceLookup {
  kind: Kind;
  ref: string;
  slug: string;
}

/** The distinct lookups the batch needs, keyed for {@link throwIfMissing}. */
export function referenceLookups(inputs: ResourceInput[]): Map<string, ReferenceLookup> {
  const lookups = new Map<string, ReferenceLookup>();
  for (const input of inputs) {
    for (const { kind, name } of input.references ?? []) {
      lookups.set(`${kind}\0${name}`, { kind, ref: name, slug: slugify(name) });
    }
  }
  return lookups;
}

/** Throws MissingReferencesError naming every reference whose lookup found nothing. */
export function throwIfMissing(inputs: ResourceInput[], found: ReadonlySet<string>): void {
  const missing: MissingReference[] = [];
  inputs.forEach((input, index) =>
    (input.references ?? []).forEach(({ kind, name }, at) => {
      if (!found.has(`${kind}\0${name}`)) missing.push({ input: index, reference: at, kind, name });
    })
  );
  if (missing.length > 0) throw new MissingReferencesError(missing);
}
