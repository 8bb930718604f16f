// List pages are cut by size as well as by count (issue 16: two 35 MB agents
// in one page made every `get agents` fail until they were deleted). Both
// stores cut their pages here.
import { MAX_LIST_PAGE_BYTES } from "../model/limits.ts";
import type { ExecutionRow, ResourceRow } from "./rows.ts";

/**
 * The rows of one page: at most `pageSize`, and no more than the page budget
 * in size (but always one, which the resource limits keep far below a
 * message). Reads `rows` only as far as it needs, so a store that iterates
 * does not load what it will not send. `more` says whether rows follow.
 */
export function takePage<R>(
  rows: Iterable<R>,
  pageSize: number,
  bytesOf: (row: R) => number,
  budget = MAX_LIST_PAGE_BYTES,
): { rows: R[]; more: boolean } {
  const taken: R[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = bytesOf(row);
    if (taken.length === pageSize || (taken.length > 0 && bytes + size > budget)) {
      return { rows: taken, more: true };
    }
    taken.push(row);
    bytes += size;
  }
  return { rows: taken, more: false };
}

// String lengths, not UTF-8 bytes: counting is free, and text outside ASCII
// (at most 3 bytes per unit) still leaves a page well inside one message.
export function resourceRowBytes(row: ResourceRow): number {
  return row.name.length + row.spec.length + row.labels.length + row.annotations.length +
    row.status.length + 256;
}

export function executionRowBytes(row: ExecutionRow): number {
  return row.input.length + row.output.length + row.error.length + row.target_name.length + 256;
}
