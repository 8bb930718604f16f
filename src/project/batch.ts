// The check of a batch as a whole, in one pass: two resources of a kind with
// the same slug are an error; a reference to a name the batch does not declare
// is unresolved (the backend may hold it: it decides, in its apply transaction).
import type { Diagnostic } from "../errors.ts";
import { diagnosticAt } from "./manifest.ts";
import type { DeclaredResource } from "./manifest_value.ts";
import { missingReferenceMessage, referencesOf } from "../model/references.ts";
import { slugify } from "../model/slug.ts";

export interface BatchCheck {
  /** Duplicates: the batch cannot be applied. */
  errors: Diagnostic[];
  /** References to names not in the batch, at the reference. */
  unresolved: Diagnostic[];
}

function where(resource: DeclaredResource): string {
  return resource.source.line > 0
    ? `${resource.source.file}:${resource.source.line}`
    : resource.source.file;
}

export function checkBatch(resources: DeclaredResource[]): BatchCheck {
  const errors: Diagnostic[] = [];
  const declared = new Map<string, DeclaredResource>(); // "Kind/slug" → first declaration
  const names = new Set<string>(); // "Kind/name" and "Kind/slug": what a reference may say
  for (const resource of resources) {
    const slug = slugify(resource.name);
    const key = `${resource.kind}/${slug}`;
    names.add(`${resource.kind}/${resource.name}`).add(key);
    const first = declared.get(key);
    if (!first) {
      declared.set(key, resource);
      continue;
    }
    const same = first.name === resource.name
      ? `${resource.kind} "${resource.name}" is declared twice`
      : `${resource.kind} "${resource.name}" has the same slug "${slug}" as "${first.name}"`;
    errors.push(
      diagnosticAt(resource, ["metadata", "name"], `${same}; the first is at ${where(first)}`),
    );
  }
  const unresolved: Diagnostic[] = [];
  for (const resource of resources) {
    for (const ref of referencesOf(resource)) {
      if (names.has(`${ref.kind}/${ref.name}`)) continue;
      unresolved.push(
        diagnosticAt(resource, ref.path, missingReferenceMessage(ref, "in this batch")),
      );
    }
  }
  return { errors, unresolved };
}
