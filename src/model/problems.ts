// Validation problems before they get a file and line, and the translation of
// zod's issues into plain words ("is missing; expected a string").
import { z } from "zod";

export type KeyPath = (string | number)[];

/** One problem in a parsed value. `at: "key"` points at the key rather than its value. */
export interface Problem {
  path: KeyPath;
  message: string;
  at?: "key" | "value";
}

/** `["spec", "do", 0, "greet"]` → `spec.do[0].greet`. */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

/** `spec.do[0].greet` → `["spec", "do", 0, "greet"]`: the inverse of {@link formatKeyPath}. */
export function parseKeyPath(text: string): KeyPath {
  return [...text.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) =>
    m[1] !== undefined ? Number(m[1]) : m[2]
  );
}

/** The value at `path` inside `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, path: KeyPath): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** How a value reads to a user: "a number", "a list", "nothing". */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "object":
      return "a mapping";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return `${value} (a boolean)`;
    default:
      return typeof value;
  }
}

const EXPECTED_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  map: "a mapping",
  array: "a list",
};

function quote(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

// Zod's own messages start like this; anything else was written by us.
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (big|small)|Unrecognized key)/;

/**
 * Turns zod issues into problems with plain messages. `root` is the value that
 * was parsed, used to tell a missing field from a wrong one.
 */
export function zodProblems(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  prefix: KeyPath = [],
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as KeyPath)];
    const value = valueAt(root, issue.path as KeyPath);
    if (issue.code === "unrecognized_keys") {
      const allowed = ZOD_DEFAULT_MESSAGE.test(issue.message) ? "" : `; ${issue.message}`;
      for (const key of issue.keys) {
        problems.push({
          path: [...path, key],
          at: "key",
          message: `unknown field "${key}"${allowed}`,
        });
      }
      continue;
    }
    if (issue.code === "invalid_key") {
      const inner = issue.issues[0]?.message ?? "";
      const reason = inner && !ZOD_DEFAULT_MESSAGE.test(inner) ? inner : "is not a valid key";
      problems.push({ path, at: "key", message: reason });
      continue;
    }
    if (issue.code === "invalid_union") {
      // Our unions carry their own message; report the union once, not each branch.
      problems.push({ path, message: issue.message });
      continue;
    }
    if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) {
      problems.push({ path, message: issue.message });
      continue;
    }
    problems.push({ path, message: plainMessage(issue, value) });
  }
  return problems;
}

function plainMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      if (value === undefined) return `is missing; expected ${expected}`;
      const hint =
        issue.expected === "string" && (typeof value === "number" || typeof value === "boolean")
          ? "; put it in quotes to make it a string"
          : "";
      return `expected ${expected}, got ${describeValue(value)}${hint}`;
    }
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "string") {
        return min <= 1 ? "must not be empty" : `must be at least ${min} characters long`;
      }
      if (issue.origin === "array" || issue.origin === "set") {
        return min <= 1 ? "must list at least one item" : `must list at least ${min} items`;
      }
      return `must be at least ${min}`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "string") {
        const length = typeof value === "string" ? ` (it has ${value.length})` : "";
        return `must be at most ${max} characters long${length}`;
      }
      if (issue.origin === "array" || issue.origin === "set") {
        return `must list at most ${max} items`;
      }
      return `must be at most ${max}`;
    }
    case "invalid_value": {
      const got = value === undefined ? "" : `, got ${quote(value)}`;
      if (value === undefined) {
        return issue.values.length === 1
          ? `is missing; expected ${quote(issue.values[0])}`
          : `is missing; expected one of: ${issue.values.map(quote).join(", ")}`;
      }
      return issue.values.length === 1
        ? `expected ${quote(issue.values[0])}${got}`
        : `expected one of: ${issue.values.map(quote).join(", ")}${got}`;
    }
    case "invalid_format":
      return issue.format === "url" ? "expected a URL" : `expected a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/**
 * A zod object that rejects unknown fields and, when it does, lists the fields
 * it knows. `typeMessage` replaces "expected a mapping" when the value is not
 * an object at all.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(
  shape: T,
  typeMessage?: string,
): z.ZodObject<T, z.core.$strict> {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") return `expected one of: ${known}`;
      if (issue.code === "invalid_type" && typeMessage && issue.input !== undefined) {
        return typeMessage;
      }
      return undefined;
    },
  });
}
