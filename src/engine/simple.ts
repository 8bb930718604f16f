// A small subset of jq evaluated in JavaScript, because each real jq call costs ~1 ms
// (jq-web recompiles jq's builtins every time) while conditions, counters and small
// constructions — `.n < 10`, `.total + $item.price`, `.name // "anonymous"`,
// `{id: .id, count: (.items | length)}`, `if .ok then "yes" else "no" end` — are most of
// what workflows write. Every expression here has exactly one output. Only well-defined
// cases are computed; anything else (a type error, a non-ASCII string comparison, a
// division by zero…) returns UNSUPPORTED and the caller asks real jq, so results and
// error messages stay exactly jq's.

export type Simple =
  | { op: "dot" }
  | { op: "var"; name: string }
  | { op: "lit"; value: unknown }
  | { op: "field"; of: Simple; key: string }
  | { op: "index"; of: Simple; index: Simple }
  | { op: "bin"; kind: string; left: Simple; right: Simple }
  | { op: "pipe"; left: Simple; right: Simple }
  | { op: "arr"; items: Simple[] }
  | { op: "obj"; entries: Array<[string, Simple]> }
  | { op: "fn"; name: string }
  | { op: "if"; cond: Simple; then: Simple; else: Simple };

export const UNSUPPORTED: unique symbol = Symbol("unsupported");

/** The variables an expression may read. */
export type Lookup = (name: string) => { value: unknown } | undefined;

const TOKEN =
  /\s*(?:(\$?[A-Za-z_][A-Za-z0-9_]*)|(\.[A-Za-z_][A-Za-z0-9_]*)|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|("(?:[^"\\]|\\[^(])*")|(==|!=|<=|>=|\/\/|[.<>+\-*/%()[\]{},:|]))/y;

const LITERALS: Record<string, unknown> = { true: true, false: false, null: null };
const FUNCTIONS = new Set(["length", "not", "type", "ascii_downcase", "ascii_upcase"]);
const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);

/** The expression's syntax tree, or undefined when it is not in the subset. */
export function parseSimple(source: string): Simple | undefined {
  const tokens: string[] = [];
  const text = source.trimEnd();
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const match = TOKEN.exec(text);
    if (!match) return undefined;
    tokens.push(match[0].trim());
  }
  let at = 0;
  const peek = () => tokens[at];
  const accept = (token: string) => tokens[at] === token ? (at++, true) : false;

  // Lowest precedence first, as in jq's grammar: | then // then or, and, comparisons, + -, * / %.
  const pipe = (): Simple | undefined => {
    let left = alternative();
    while (left && accept("|")) {
      const right = alternative();
      if (!right) return undefined;
      left = { op: "pipe", left, right };
    }
    return left;
  };
  const alternative = (): Simple | undefined => {
    const left = or();
    if (!left || !accept("//")) return left;
    const right = alternative(); // right-associative
    return right && { op: "bin", kind: "//", left, right };
  };
  const binary = (next: () => Simple | undefined, ops: Set<string>, chain = true) => () => {
    let left = next();
    while (left && ops.has(peek())) {
      const kind = tokens[at++];
      const right = next();
      if (!right) return undefined;
      left = { op: "bin", kind, left, right };
      if (!chain) break; // comparisons do not chain in jq
    }
    return left;
  };
  const multiplicative = () => binary(postfix, new Set(["*", "/", "%"]))();
  const additive = binary(multiplicative, new Set(["+", "-"]));
  const comparison = binary(additive, COMPARISONS, false);
  const and = binary(comparison, new Set(["and"]));
  const or = binary(and, new Set(["or"]));

  const postfix = (): Simple | undefined => {
    let node = term();
    while (node) {
      const token = peek();
      if (token?.startsWith(".") && token.length > 1) {
        at++;
        node = { op: "field", of: node, key: token.slice(1) };
      } else if (token === "[") {
        at++;
        const index = pipe();
        if (!index || !accept("]")) return undefined;
        node = { op: "index", of: node, index };
      } else break;
    }
    return node;
  };

  const term = (): Simple | undefined => {
    const token = tokens[at++];
    if (token === undefined) return undefined;
    if (token === ".") return { op: "dot" };
    if (token.startsWith(".")) return { op: "field", of: { op: "dot" }, key: token.slice(1) };
    if (token === "(") {
      const inner = pipe();
      return inner && accept(")") ? inner : undefined;
    }
    if (token === "[") return arrayLiteral();
    if (token === "{") return objectLiteral();
    if (token === "if") return conditional();
    if (Object.hasOwn(LITERALS, token)) return { op: "lit", value: LITERALS[token] };
    if (FUNCTIONS.has(token)) return { op: "fn", name: token };
    if (token.startsWith('"')) return stringLiteral(token);
    if (/^-?\d/.test(token)) return { op: "lit", value: Number(token) };
    if (token.startsWith("$") && token !== "$ENV" && !token.startsWith("$__")) {
      return { op: "var", name: token.slice(1) };
    }
    return undefined; // another function or keyword: real jq
  };

  const arrayLiteral = (): Simple | undefined => {
    if (accept("]")) return { op: "lit", value: [] };
    const items = [alternative()];
    while (accept(",")) items.push(alternative());
    // `[a | b, c]` means `[a | (b, c)]`: several outputs, left to jq.
    if (peek() === "|" && items.length === 1) {
      let node = items[0];
      while (node && accept("|")) {
        const right = alternative();
        node = right && { op: "pipe", left: node, right };
      }
      items[0] = node;
    }
    if (items.some((item) => !item) || !accept("]")) return undefined;
    return { op: "arr", items: items as Simple[] };
  };

  const objectLiteral = (): Simple | undefined => {
    const entries: Array<[string, Simple]> = [];
    if (accept("}")) return { op: "lit", value: {} };
    do {
      const key = tokens[at++];
      if (key === undefined) return undefined;
      if (key.startsWith("$")) { // {$x} is {x: $x}
        if (key === "$ENV" || key.startsWith("$__")) return undefined;
        entries.push([key.slice(1), { op: "var", name: key.slice(1) }]);
        continue;
      }
      let name: string;
      if (/^[A-Za-z_]/.test(key)) name = key;
      else if (key.startsWith('"')) {
        const literal = stringLiteral(key);
        if (!literal) return undefined;
        name = literal.value as string;
      } else return undefined;
      if (!accept(":")) { // {a} is {a: .a}
        if (!/^[A-Za-z_]/.test(key)) return undefined;
        entries.push([name, { op: "field", of: { op: "dot" }, key: name }]);
        continue;
      }
      // jq allows only terms (and pipes of terms) as values: `{a: 1 + 2}` is a syntax error.
      let value = postfix();
      while (value && accept("|")) {
        const right = postfix();
        value = right && { op: "pipe", left: value, right };
      }
      if (!value) return undefined;
      entries.push([name, value]);
    } while (accept(","));
    return accept("}") ? { op: "obj", entries } : undefined;
  };

  const conditional = (): Simple | undefined => {
    const cond = pipe();
    if (!cond || !accept("then")) return undefined;
    const then = pipe();
    if (!then) return undefined;
    let otherwise: Simple | undefined = { op: "dot" }; // jq 1.7: `else` is optional
    if (accept("elif")) otherwise = conditional();
    else if (accept("else")) {
      otherwise = pipe();
      if (!accept("end")) return undefined;
    } else if (!accept("end")) return undefined;
    return otherwise && { op: "if", cond, then, else: otherwise };
  };

  const tree = pipe();
  return tree && at === tokens.length ? tree : undefined;
}

function stringLiteral(token: string): { op: "lit"; value: unknown } | undefined {
  try {
    return { op: "lit", value: JSON.parse(token) };
  } catch {
    return undefined; // an escape only jq knows
  }
}

/** The value jq would give, or UNSUPPORTED when only jq can tell (including every error). */
export function evaluateSimple(node: Simple, dot: unknown, lookup: Lookup): unknown {
  switch (node.op) {
    case "dot":
      return dot === undefined ? null : dot;
    case "lit":
      return node.value;
    case "var": {
      const variable = lookup(node.name);
      return variable ? variable.value ?? null : UNSUPPORTED;
    }
    case "field": {
      const of = evaluateSimple(node.of, dot, lookup);
      if (of === UNSUPPORTED) return UNSUPPORTED;
      return index(of, node.key);
    }
    case "index": {
      const of = evaluateSimple(node.of, dot, lookup);
      if (of === UNSUPPORTED) return UNSUPPORTED;
      const key = evaluateSimple(node.index, dot, lookup);
      if (key === UNSUPPORTED) return UNSUPPORTED;
      return index(of, key);
    }
    case "pipe": {
      const left = evaluateSimple(node.left, dot, lookup);
      return left === UNSUPPORTED ? UNSUPPORTED : evaluateSimple(node.right, left, lookup);
    }
    case "arr": {
      const items: unknown[] = [];
      for (const item of node.items) {
        const value = evaluateSimple(item, dot, lookup);
        if (value === UNSUPPORTED) return UNSUPPORTED;
        items.push(value);
      }
      return items;
    }
    case "obj": {
      const out: Record<string, unknown> = {};
      for (const [key, item] of node.entries) {
        const value = evaluateSimple(item, dot, lookup);
        if (value === UNSUPPORTED) return UNSUPPORTED;
        out[key] = value;
      }
      return out;
    }
    case "fn":
      return call(node.name, dot === undefined ? null : dot);
    case "if": {
      const cond = evaluateSimple(node.cond, dot, lookup);
      if (cond === UNSUPPORTED) return UNSUPPORTED;
      return evaluateSimple(truthy(cond) ? node.then : node.else, dot, lookup);
    }
    case "bin": {
      const left = evaluateSimple(node.left, dot, lookup);
      // `//` hides errors on its left in jq: only jq knows whether there was one.
      if (left === UNSUPPORTED) return UNSUPPORTED;
      if (node.kind === "and" && !truthy(left)) return false;
      if (node.kind === "or" && truthy(left)) return true;
      if (node.kind === "//" && truthy(left)) return left;
      const right = evaluateSimple(node.right, dot, lookup);
      if (right === UNSUPPORTED) return UNSUPPORTED;
      return operate(node.kind, left, right);
    }
  }
}

function truthy(value: unknown): boolean {
  return value !== false && value !== null && value !== undefined;
}

function index(of: unknown, key: unknown): unknown {
  if (of === null || of === undefined) {
    return typeof key === "string" || typeof key === "number" ? null : UNSUPPORTED;
  }
  if (isObject(of) && typeof key === "string") {
    const value = Object.hasOwn(of, key) ? of[key] : null;
    return value === undefined ? null : value;
  }
  if (Array.isArray(of) && typeof key === "number" && Number.isSafeInteger(key)) {
    const position = key < 0 ? of.length + key : key;
    const value = position >= 0 && position < of.length ? of[position] : null;
    return value === undefined ? null : value;
  }
  return UNSUPPORTED;
}

function call(name: string, value: unknown): unknown {
  switch (name) {
    case "not":
      return !truthy(value);
    case "type":
      return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    case "length":
      if (value === null) return 0;
      if (typeof value === "number") return Math.abs(value);
      if (typeof value === "string") return [...value].length; // code points
      if (Array.isArray(value)) return value.length;
      if (isObject(value)) return Object.keys(value).length;
      return UNSUPPORTED;
    case "ascii_downcase":
      return typeof value === "string"
        ? value.replace(/[A-Z]+/g, (s) => s.toLowerCase())
        : UNSUPPORTED;
    case "ascii_upcase":
      return typeof value === "string"
        ? value.replace(/[a-z]+/g, (s) => s.toUpperCase())
        : UNSUPPORTED;
  }
  return UNSUPPORTED;
}

function operate(kind: string, a: unknown, b: unknown): unknown {
  switch (kind) {
    case "and":
    case "or":
      return truthy(b);
    case "//":
      return b;
    case "==":
      return equal(a, b);
    case "!=":
      return !equal(a, b);
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const order = compare(a, b);
      if (order === UNSUPPORTED) return UNSUPPORTED;
      return kind === "<"
        ? order < 0
        : kind === "<="
        ? order <= 0
        : kind === ">"
        ? order > 0
        : order >= 0;
    }
    case "+":
      if (a === null) return b;
      if (b === null) return a;
      if (typeof a === "number" && typeof b === "number") return finite(a + b);
      if (typeof a === "string" && typeof b === "string") return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      if (isObject(a) && isObject(b)) return { ...a, ...b };
      return UNSUPPORTED;
  }
  if (typeof a !== "number" || typeof b !== "number") return UNSUPPORTED;
  switch (kind) {
    case "-":
      return finite(a - b);
    case "*":
      return finite(a * b);
    case "/":
      return b === 0 ? UNSUPPORTED : finite(a / b);
    case "%": {
      // jq truncates both sides to integers first.
      const [x, y] = [Math.trunc(a), Math.trunc(b)];
      if (y === 0 || !Number.isSafeInteger(x) || !Number.isSafeInteger(y)) return UNSUPPORTED;
      return Math.abs(x % y) === 0 ? 0 : x % y;
    }
  }
  return UNSUPPORTED;
}

function finite(n: number): number | typeof UNSUPPORTED {
  return Number.isFinite(n) ? n : UNSUPPORTED;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// jq orders values by type first: null < false < true < numbers < strings < arrays < objects.
function rank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (value === false) return 1;
  if (value === true) return 2;
  if (typeof value === "number") return 3;
  if (typeof value === "string") return 4;
  return Array.isArray(value) ? 5 : 6;
}

function compare(a: unknown, b: unknown): number | typeof UNSUPPORTED {
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== rb) return ra - rb;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") {
    // JavaScript compares UTF-16 units, jq compares bytes: the same only for ASCII.
    if (!isAscii(a) || !isAscii(b)) return UNSUPPORTED;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (ra <= 2) return 0;
  return UNSUPPORTED; // arrays and objects: leave jq's rules to jq
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => equal(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((k) => left[k] !== undefined);
  if (keys.length !== Object.keys(right).filter((k) => right[k] !== undefined).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && equal(left[key], right[key]));
}
