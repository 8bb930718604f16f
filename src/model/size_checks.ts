// The per-resource limits of src/model/limits.ts as problems at the field, so
// the CLI reports them at file:line and the server in its diagnostics.
import {
  formatBytes,
  MAX_ANNOTATIONS_BYTES,
  MAX_LABEL_KEY_CHARS,
  MAX_LABEL_VALUE_CHARS,
  MAX_LABELS,
  MAX_SPEC_BYTES,
  utf8Length,
} from "./limits.ts";
import { isPlainObject, type Problem } from "./problems.ts";

/** Size problems of one manifest (a plain value, before or after the schema). */
export function sizeProblems(manifest: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const metadata = isPlainObject(manifest.metadata) ? manifest.metadata : {};
  if (isPlainObject(metadata.labels)) {
    const labels = Object.entries(metadata.labels);
    if (labels.length > MAX_LABELS) {
      problems.push({
        path: ["metadata", "labels"],
        message: `has ${labels.length} labels; a resource may have at most ${MAX_LABELS}`,
      });
    }
    for (const [key, value] of labels) {
      if (key.length > MAX_LABEL_KEY_CHARS) {
        problems.push({
          path: ["metadata", "labels", key],
          at: "key",
          message: `is ${key.length} characters; a label key may be at most ${MAX_LABEL_KEY_CHARS}`,
        });
      }
      if (typeof value === "string" && value.length > MAX_LABEL_VALUE_CHARS) {
        problems.push({
          path: ["metadata", "labels", key],
          message:
            `is ${value.length} characters; a label value may be at most ${MAX_LABEL_VALUE_CHARS}`,
        });
      }
    }
  }
  if (isPlainObject(metadata.annotations)) {
    const bytes = utf8Length(JSON.stringify(metadata.annotations));
    if (bytes > MAX_ANNOTATIONS_BYTES) {
      problems.push({
        path: ["metadata", "annotations"],
        message: `are ${formatBytes(bytes)}; a resource's annotations may be at most ${
          formatBytes(MAX_ANNOTATIONS_BYTES)
        } in all`,
      });
    }
  }
  if (manifest.spec !== undefined) {
    const bytes = utf8Length(JSON.stringify(manifest.spec));
    if (bytes > MAX_SPEC_BYTES) {
      problems.push({
        path: ["spec"],
        message: `is ${formatBytes(bytes)}; a resource's spec may be at most ${
          formatBytes(MAX_SPEC_BYTES)
        }`,
      });
    }
  }
  return problems;
}
