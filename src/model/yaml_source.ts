// YAML text → plain values that remember where each key and value came from,
// so every problem can name its file, line and column. Also the defences:
// a size cap before parsing and a cap on alias expansion ("billion laughs").
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from "yaml";
import type { Diagnostic } from "../errors.ts";
import { formatKeyPath, type KeyPath, type Problem } from "./problems.ts";

/** Manifests larger than this are refused before parsing. */
export const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;
/** How many alias expansions one document may make. */
export const MAX_ALIAS_COUNT = 100;

export interface Position {
  line: number; // 1-based
  column: number; // 1-based
}

export interface YamlDocument {
  value: unknown;
  /** Where the document's content starts. */
  start: Position;
  /** Where the key or value at `path` is; the nearest existing parent when it is missing. */
  locate(path: KeyPath, at?: "key" | "value"): Position;
}

export function formatSize(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Byte length of a string without encoding it when it is clearly small. */
function byteLength(text: string): number {
  return text.length * 3 <= MAX_MANIFEST_BYTES
    ? text.length
    : new TextEncoder().encode(text).length;
}

export function tooLargeDiagnostic(file: string, bytes: number): Diagnostic {
  return {
    file,
    line: 0,
    column: 0,
    path: "",
    message: `file is ${formatSize(bytes)}; manifests larger than ${
      formatSize(MAX_MANIFEST_BYTES)
    } are refused`,
  };
}

/** Parses every document of a YAML stream; empty documents are skipped. */
export function parseYamlDocuments(
  file: string,
  text: string,
): { docs: YamlDocument[]; diagnostics: Diagnostic[] } {
  const size = byteLength(text);
  if (size > MAX_MANIFEST_BYTES) return { docs: [], diagnostics: [tooLargeDiagnostic(file, size)] };

  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const diagnostics: Diagnostic[] = [];
  const docs: YamlDocument[] = [];
  let parsed: Document.Parsed[];
  try {
    parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false }) as Document.Parsed[];
  } catch (error) {
    // Deeply nested input can exhaust the stack; say so instead of crashing.
    return {
      docs,
      diagnostics: [{ file, line: 0, column: 0, path: "", message: `cannot parse YAML: ${error}` }],
    };
  }
  if (!Array.isArray(parsed)) return { docs, diagnostics };

  for (const doc of parsed) {
    if (doc.errors.length > 0) {
      const found: Diagnostic[] = [];
      for (const error of doc.errors) {
        // yaml points at the mapping; we point at each repeated key below.
        if (error.code === "DUPLICATE_KEY") continue;
        found.push({
          file,
          ...at(error.pos[0]),
          path: "",
          message: `invalid YAML: ${error.message}`,
        });
      }
      for (const key of duplicateKeys(doc.contents)) {
        const message = `invalid YAML: key "${key.text}" appears twice in this mapping`;
        found.push({ file, ...at(key.offset), path: "", message });
      }
      diagnostics.push(...found.sort((a, b) => a.line - b.line || a.column - b.column));
      continue;
    }
    const contents = doc.contents as Node | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    const start = at(contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = error instanceof ReferenceError && /alias/i.test(error.message)
        ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}); refusing a document that may be an alias bomb`
        : `cannot read YAML: ${error instanceof Error ? error.message : error}`;
      diagnostics.push({ file, ...start, path: "", message });
      continue;
    }
    docs.push({
      value,
      start,
      locate: (path, where = "value") => locate(doc, contents, path, where, at, start),
    });
  }
  return { docs, diagnostics };
}

/** Keys repeated within one mapping, anywhere in the document. */
function duplicateKeys(root: unknown): { text: string; offset: number }[] {
  const found: { text: string; offset: number }[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const text = keyText(pair.key);
        if (text !== undefined && seen.has(text)) {
          found.push({ text, offset: (pair.key as Node).range?.[0] ?? 0 });
        }
        if (text !== undefined) seen.add(text);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(root);
  return found;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === "string" ? key : undefined;
}

function startOf(node: unknown, at: (offset: number) => Position): Position | undefined {
  const range = (node as Node | null)?.range;
  return range ? at(range[0]) : undefined;
}

function locate(
  doc: Document,
  root: Node,
  path: KeyPath,
  where: "key" | "value",
  at: (offset: number) => Position,
  fallback: Position,
): Position {
  let node: unknown = root;
  let keyNode: unknown = undefined;
  let depth = 0;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
      keyNode = undefined;
      node = node.items[segment];
    } else {
      break;
    }
    depth++;
  }
  const found = depth === path.length;
  // A missing field is reported at its parent's key: that is where it belongs.
  if (!found || where === "key") return startOf(keyNode, at) ?? startOf(node, at) ?? fallback;
  return startOf(node, at) ?? startOf(keyNode, at) ?? fallback;
}

/** Turns problems into diagnostics located in a YAML document. */
export function problemsToDiagnostics(
  file: string,
  doc: YamlDocument,
  problems: Problem[],
): Diagnostic[] {
  return problems.map((problem) => ({
    file,
    ...doc.locate(problem.path, problem.at),
    path: formatKeyPath(problem.path),
    message: problem.message,
  }));
}
