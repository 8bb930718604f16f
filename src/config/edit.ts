// `stigmer config set|unset`: edits config.yaml in place, keeping the user's
// comments and layout, and refuses any change that would make it invalid.
import leven from "leven";
import { isMap, isScalar, LineCounter, parse as parseYamlValue, parseDocument } from "yaml";
import { configSchema, KNOWN_KEYS } from "./schema.ts";
import { readTextIfExists, writeFileAtomic } from "../secure_fs.ts";
import { UsageError, ValidationError } from "../errors.ts";

/** Keys that name a value (not a section), for help and suggestions. */
export const SETTABLE_KEYS = [...KNOWN_KEYS].filter((key) =>
  ![...KNOWN_KEYS].some((other) => other.startsWith(`${key}.`))
);

/** Settings a mistyped or shortened key probably meant. */
export function suggestKeys(key: string): string[] {
  const last = key.split(".").pop() ?? "";
  return SETTABLE_KEYS.filter((k) =>
    leven(k, key) <= 2 || (last !== "" && k.endsWith(`.${last}`)) ||
    (key !== "" && k.startsWith(`${key}.`))
  );
}

/** Throws a usage error, with a suggestion, unless key names a setting. */
export function checkKey(key: string): string[] {
  if (!SETTABLE_KEYS.includes(key)) {
    const near = suggestKeys(key);
    throw new UsageError(`unknown setting "${key}"`, {
      hint: near.length
        ? `did you mean: ${near.join(", ")}?`
        : `settings are: ${SETTABLE_KEYS.join(", ")}`,
    });
  }
  return key.split(".");
}

function loadDocument(path: string) {
  const text = readTextIfExists(path) ?? "";
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lineCounter.linePos(e.pos[0]);
    throw new ValidationError(`${path} is not valid YAML; not changed`, [
      { file: path, line, column: col, path: "", message: e.message.split("\n")[0] },
    ]);
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new ValidationError(`${path} must be a mapping of settings; not changed`, [
      { file: path, line: 1, column: 1, path: "", message: "expected keys such as backend:" },
    ]);
  }
  return doc;
}

/** The document as data, refusing one whose aliases expand too far (an "alias bomb"). */
function toData(path: string, doc: ReturnType<typeof loadDocument>): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ValidationError(`${path} cannot be read; not changed`, [
      { file: path, line: 0, column: 0, path: "", message: (err as Error).message },
    ]);
  }
}

function validateOrThrow(path: string, data: unknown, key: string) {
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(`invalid value for ${key}; ${path} not changed`, [
      { file: path, line: 0, column: 0, path: issue.path.join("."), message: issue.message },
    ]);
  }
}

export function setConfigValue(path: string, key: string, raw: string): void {
  const keys = checkKey(key);
  const doc = loadDocument(path);
  toData(path, doc); // refuse a file that cannot be read before touching it
  // A value is text unless the key needs another type ("true", "30" …).
  const candidates: unknown[] = [raw];
  const typed = parseYamlValue(raw);
  if (typeof typed !== "string" && typed !== null) candidates.push(typed);
  blockStyleAlong(doc, keys);
  let firstError: unknown;
  for (const value of candidates) {
    doc.setIn(keys, value);
    try {
      validateOrThrow(path, toData(path, doc), key);
    } catch (err) {
      // Report what the text form was refused for: "expected HOST:PORT" says
      // more than "expected string, received number" about the typed retry.
      firstError ??= err;
      continue;
    }
    writeFileAtomic(path, doc.toString());
    return;
  }
  throw firstError;
}

/** Returns false when the key was not set. */
export function unsetConfigValue(path: string, key: string): boolean {
  const keys = checkKey(key);
  if (readTextIfExists(path) === undefined) return false;
  const doc = loadDocument(path);
  if (!doc.hasIn(keys)) return false;
  // A comment at the top of the file is parsed as the first key's: keep it if that key goes.
  const first = isMap(doc.contents) ? doc.contents.items[0] : undefined;
  const header = first && isScalar(first.key) ? first.key.commentBefore : undefined;
  doc.deleteIn(keys);
  // Drop sections left empty, so the file stays tidy.
  for (let depth = keys.length - 1; depth > 0; depth--) {
    const section = doc.getIn(keys.slice(0, depth));
    if (isMap(section) && section.items.length === 0) doc.deleteIn(keys.slice(0, depth));
  }
  const root = doc.contents;
  if (header && !doc.commentBefore && (!isMap(root) || root.items[0] !== first)) {
    doc.commentBefore = header;
  }
  const empty = root === null || (isMap(root) && root.items.length === 0);
  // Not `{}`: a file with no settings left holds only its comments, if any.
  writeFileAtomic(path, empty ? commentsOnly(doc) : doc.toString());
  return true;
}

/**
 * An empty map on the key's path (`{}`, left by an older version or typed by hand) turns block
 * style, so that new settings are written one per line, not as `{ backend: { type: local } }`.
 * A map the user wrote in flow style with settings in it keeps its style.
 */
function blockStyleAlong(doc: ReturnType<typeof loadDocument>, keys: string[]): void {
  for (let depth = 0; depth < keys.length; depth++) {
    const node = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true);
    if (!isMap(node)) return;
    if (node.items.length === 0) node.flow = false;
  }
}

function commentsOnly(doc: ReturnType<typeof loadDocument>): string {
  const lines = [doc.commentBefore, doc.comment].filter((c): c is string => !!c)
    .flatMap((c) => c.split("\n"))
    .map((line) => `#${line}`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}
