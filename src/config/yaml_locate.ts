// Maps a key path in a parsed YAML document back to its line and column, so
// every error can say where in the file it is.
import type { Document, LineCounter } from "yaml";

export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): { line: number; column: number } {
  // Walk up the path until a node exists (a missing key points at its parent).
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) {
      const { line, col } = lineCounter.linePos(range[0]);
      return { line, column: col };
    }
  }
  return { line: 0, column: 0 };
}

export function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
