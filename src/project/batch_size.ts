// The batch limit of src/model/limits.ts, checked by the CLI before it sends
// (the server checks the request it receives: src/server/services/resource.ts).
import { diagnosticAt } from "./manifest.ts";
import type { DeclaredResource } from "./manifest_value.ts";
import type { Diagnostic } from "../errors.ts";
import { formatBytes, MAX_BATCH_BYTES, resourceWireBytes } from "../model/limits.ts";

/** The batch limit, at the first resource that crosses it (nothing is sent). */
export function batchSizeDiagnostics(resources: readonly DeclaredResource[]): Diagnostic[] {
  let total = 0;
  for (const resource of resources) {
    total += resourceWireBytes(resource);
    if (total > MAX_BATCH_BYTES) {
      return [diagnosticAt(
        resource,
        [],
        `the batch reaches ${formatBytes(total)} here; one apply may send at most ${
          formatBytes(MAX_BATCH_BYTES)
        }: split these resources into several projects`,
      )];
    }
  }
  return [];
}
