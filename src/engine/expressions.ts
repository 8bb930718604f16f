// Runtime expressions: `${ jq }` inside definition values, evaluated with real jq.
//
// A definition value is compiled once into a Template: constants stay as they are (no
// jq), plain paths such as `${ .a.b }` or `${ $input.name }` are read directly in
// JavaScript (same results and messages as jq), simple arithmetic and comparisons are
// computed in JavaScript when their operands allow (simple.ts), and everything else goes
// to jq (~1 ms a call) in a single call per evaluation, however many expressions it holds.

import { workflowError } from "./errors.ts";
import { runJq } from "./jq.ts";
import { evaluateSimple, parseSimple, type Simple, UNSUPPORTED } from "./simple.ts";

/** A variable ($input, $context, $item…) whose JSON text is built once, when first needed. */
export class Var {
  #value: unknown;
  #json: string | undefined;
  #compute: (() => unknown) | undefined;

  private constructor(value: unknown, compute?: () => unknown) {
    this.#value = value;
    this.#compute = compute;
  }

  static of(value: unknown): Var {
    return new Var(value);
  }

  /** For descriptors ($task, $workflow) that are costly to build and seldom read. */
  static lazy(compute: () => unknown): Var {
    return new Var(undefined, compute);
  }

  get value(): unknown {
    if (this.#compute) {
      this.#value = this.#compute();
      this.#compute = undefined;
    }
    return this.#value;
  }

  get json(): string {
    return this.#json ??= JSON.stringify(this.value) ?? "null";
  }

  /** Replaces the value ($context after an export). */
  set(value: unknown): void {
    this.#value = value;
    this.#compute = undefined;
    this.#json = undefined;
  }
}

export type Vars = Readonly<Record<string, Var | undefined>>;

interface CompiledExpr {
  source: string; // the jq program
  display: string; // how messages quote it
  refs: string[]; // $names it mentions
  path?: { root: string | null; keys: string[] }; // set when JavaScript can read it directly
  simple?: Simple; // set when JavaScript can usually compute it (jq stays the fallback)
}

type Node =
  | { k: "const"; v: unknown }
  | { k: "expr"; i: number }
  | { k: "interp"; parts: Array<string | number> }
  | { k: "obj"; entries: Array<[string, Node]> }
  | { k: "arr"; items: Node[] };

export interface Template {
  readonly node: Node;
  readonly exprs: readonly CompiledExpr[];
  /** True when some expression is more than a plain path, so jq must be loaded. */
  readonly needsJq: boolean;
}

const CONSTANT_NULL: Template = { node: { k: "const", v: null }, exprs: [], needsJq: false };

/**
 * Compiles a definition value: strings holding `${…}` are expressions (the whole value
 * when the string is exactly `${…}`, else interpolated into the string); objects and
 * arrays are compiled member by member.
 */
export function compileTemplate(value: unknown): Template {
  if (value === undefined) return CONSTANT_NULL;
  const exprs: CompiledExpr[] = [];
  const node = compileNode(value, exprs);
  return { node, exprs, needsJq: exprs.some((e) => !e.path) };
}

/**
 * Compiles a field that is a runtime expression by definition (`if`, `when`, `while`,
 * `for.in`, `input.from`, `output.as`, `export.as`): there the `${ }` is optional.
 */
export function compileExpression(value: unknown): Template {
  if (typeof value === "string" && !value.includes("${")) {
    const exprs = [compileExpr(value)];
    return { node: { k: "expr", i: 0 }, exprs, needsJq: !exprs[0].path };
  }
  return compileTemplate(value);
}

/** One template whose value is the array of the given templates' values: one jq call for all. */
export function combineTemplates(templates: readonly Template[]): Template {
  const exprs: CompiledExpr[] = [];
  const shift = (node: Node, by: number): Node => {
    switch (node.k) {
      case "const":
        return node;
      case "expr":
        return { k: "expr", i: node.i + by };
      case "interp":
        return { k: "interp", parts: node.parts.map((p) => typeof p === "number" ? p + by : p) };
      case "arr":
        return { k: "arr", items: node.items.map((item) => shift(item, by)) };
      case "obj":
        return { k: "obj", entries: node.entries.map(([key, n]) => [key, shift(n, by)]) };
    }
  };
  const items = templates.map((template) => {
    const node = shift(template.node, exprs.length);
    exprs.push(...template.exprs);
    return node;
  });
  return { node: { k: "arr", items }, exprs, needsJq: templates.some((t) => t.needsJq) };
}

/** Evaluates a compiled template against `.` = dot and the given variables. */
export function evaluate(template: Template, dot: unknown, vars: Vars): unknown {
  const node = template.node;
  if (node.k === "const") return node.v;
  const results = evaluateExprs(template.exprs, dot, vars);
  return build(node, results);
}

/** jq truthiness: everything but false and null. */
export function isTruthy(value: unknown): boolean {
  return value !== false && value !== null && value !== undefined;
}

function compileNode(value: unknown, exprs: CompiledExpr[]): Node {
  if (typeof value === "string") return compileString(value, exprs);
  if (Array.isArray(value)) {
    const items = value.map((item) => compileNode(item, exprs));
    return items.every((n) => n.k === "const") ? { k: "const", v: value } : { k: "arr", items };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, v]) =>
      [key, compileNode(v, exprs)] as [string, Node]
    );
    return entries.every(([, n]) => n.k === "const")
      ? { k: "const", v: value }
      : { k: "obj", entries };
  }
  return { k: "const", v: value };
}

function compileString(text: string, exprs: CompiledExpr[]): Node {
  if (!text.includes("${")) return { k: "const", v: text };
  const parts: Array<string | number> = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("${", i);
    const close = open < 0 ? -1 : findClosingBrace(text, open + 2);
    if (close < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    if (literal) parts.push(literal);
    literal = "";
    parts.push(exprs.length);
    exprs.push(compileExpr(text.slice(open + 2, close)));
    i = close + 1;
  }
  if (literal) parts.push(literal);
  if (parts.length === 1 && typeof parts[0] === "number") return { k: "expr", i: parts[0] };
  if (parts.every((p) => typeof p === "string")) return { k: "const", v: text };
  // `  ${ .a }  ` is still a whole-value expression: only whitespace around it.
  const numbers = parts.filter((p) => typeof p === "number");
  if (numbers.length === 1 && parts.every((p) => typeof p === "number" || !p.trim())) {
    return { k: "expr", i: numbers[0] as number };
  }
  return { k: "interp", parts };
}

/**
 * Index of the `}` that closes a `${` whose body starts at `start`, skipping braces
 * inside jq object literals, strings, string interpolations `\( )` and comments.
 */
function findClosingBrace(text: string, start: number): number {
  const stack: Array<"brace" | "paren" | "string"> = [];
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    const mode = stack.at(-1);
    if (mode === "string") {
      if (c === "\\") {
        if (text[i + 1] === "(") stack.push("paren");
        i++;
      } else if (c === '"') stack.pop();
      continue;
    }
    if (c === '"') stack.push("string");
    else if (c === "{") stack.push("brace");
    else if (c === "(") stack.push("paren");
    else if (c === ")" && mode === "paren") stack.pop();
    else if (c === "}") {
      if (mode === undefined) return i;
      if (mode !== "brace") return -1;
      stack.pop();
    } else if (c === "#") {
      const eol = text.indexOf("\n", i);
      if (eol < 0) return -1;
      i = eol;
    }
  }
  return -1;
}

const compiledExprs = new Map<string, CompiledExpr>();
const MAX_CACHED = 10_000;

function compileExpr(source: string): CompiledExpr {
  let compiled = compiledExprs.get(source);
  if (compiled) return compiled;
  const refs = [...new Set([...source.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))];
  const oneLine = source.trim().replace(/\s+/g, " ");
  const path = parsePath(source);
  compiled = {
    source,
    display: `\${ ${oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine} }`,
    refs,
    path,
    simple: path ? undefined : parseSimple(source),
  };
  if (compiledExprs.size >= MAX_CACHED) compiledExprs.clear(); // a daemon runs many documents
  compiledExprs.set(source, compiled);
  return compiled;
}

const PATH = /^(?:\$([A-Za-z][A-Za-z0-9_]*)|(?=\.))((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;

/** `.`, `.a.b`, `$name`, `$name.a.b` — the expressions JavaScript can read exactly as jq would. */
function parsePath(source: string): CompiledExpr["path"] {
  const text = source.trim();
  if (text === ".") return { root: null, keys: [] };
  const match = PATH.exec(text);
  if (!match || (match[1] === undefined && !match[2])) return undefined;
  if (match[1] === "ENV") return undefined; // jq's own variable
  return { root: match[1] ?? null, keys: match[2] ? match[2].slice(1).split(".") : [] };
}

function evaluateExprs(exprs: readonly CompiledExpr[], dot: unknown, vars: Vars): unknown[] {
  const results = new Array<unknown>(exprs.length);
  let viaJq: number[] | undefined;
  let lookup: ((name: string) => Var | undefined) | undefined;
  for (let i = 0; i < exprs.length; i++) {
    const { path, simple } = exprs[i];
    if (path) {
      results[i] = readPath(exprs[i], path, dot, vars);
      continue;
    }
    if (simple) {
      const value = evaluateSimple(simple, dot, lookup ??= (name) => vars[name]);
      if (value !== UNSUPPORTED) {
        results[i] = value;
        continue;
      }
    }
    (viaJq ??= []).push(i);
  }
  if (viaJq) {
    const values = evaluateWithJq(viaJq.map((i) => exprs[i]), dot, vars);
    viaJq.forEach((slot, n) => (results[slot] = values[n]));
  }
  return results;
}

function readPath(
  expr: CompiledExpr,
  path: NonNullable<CompiledExpr["path"]>,
  dot: unknown,
  vars: Vars,
): unknown {
  let current: unknown = dot;
  if (path.root !== null) {
    const variable = vars[path.root];
    if (!variable) throw expressionError(expr, `$${path.root} is not defined`);
    current = variable.value;
  }
  for (const key of path.keys) {
    if (current === null || current === undefined) return null;
    if (typeof current !== "object" || Array.isArray(current)) {
      throw expressionError(expr, `Cannot index ${jqType(current)} with string "${key}"`);
    }
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : null;
  }
  return current === undefined ? null : current;
}

function jqType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value; // boolean, number, string, object
}

/** One jq call for all the expressions: `[[e1], [e2], …]`, with the variables bound. */
function evaluateWithJq(exprs: CompiledExpr[], dot: unknown, vars: Vars): unknown[] {
  const [input, prefix] = bindVariables(exprs, dot, vars);
  let outputs: unknown[];
  try {
    outputs = runJq(input, `${prefix}[${exprs.map((e) => `[${e.source}\n]`).join(",")}]`);
  } catch (error) {
    // Find which expression failed, so the message quotes it with jq's own words.
    for (const expr of exprs) evaluateOne(expr, dot, vars);
    throw expressionError(exprs[0], (error as Error).message);
  }
  const batch = outputs[0];
  if (outputs.length !== 1 || !Array.isArray(batch) || batch.length !== exprs.length) {
    return exprs.map((expr) => evaluateOne(expr, dot, vars)); // an expression broke the brackets
  }
  return batch.map((values) => collapse(values as unknown[]));
}

function evaluateOne(expr: CompiledExpr, dot: unknown, vars: Vars): unknown {
  const [input, prefix] = bindVariables([expr], dot, vars);
  try {
    return collapse(runJq(input, `${prefix}${expr.source}\n`));
  } catch (error) {
    throw expressionError(expr, (error as Error).message);
  }
}

/** jq reads `[dot, {vars}]` and destructures it; only the variables mentioned are sent. */
function bindVariables(exprs: CompiledExpr[], dot: unknown, vars: Vars): [string, string] {
  const names: string[] = [];
  for (const expr of exprs) {
    for (const name of expr.refs) if (vars[name] && !names.includes(name)) names.push(name);
  }
  const dotJson = jsonOf(dot, vars);
  if (names.length === 0) return [dotJson, ""];
  const fields = names.map((name) => `"${name}":${vars[name]!.json}`).join(",");
  const pattern = names.map((name) => `$${name}`).join(", ");
  return [`[${dotJson},{${fields}}]`, `. as [$__dot, {${pattern}}] | $__dot | `];
}

function jsonOf(dot: unknown, vars: Vars): string {
  // `.` is most often $input itself, whose JSON may already be built.
  const input = vars.input;
  if (input && input.value === dot) return input.json;
  return JSON.stringify(dot) ?? "null";
}

/** No output is null, one is itself, several are an array. */
function collapse(values: unknown[]): unknown {
  return values.length === 0 ? null : values.length === 1 ? values[0] : values;
}

function build(node: Node, results: unknown[]): unknown {
  switch (node.k) {
    case "const":
      return node.v;
    case "expr":
      return results[node.i];
    case "interp":
      return node.parts.map((part) => typeof part === "string" ? part : interpolate(results[part]))
        .join("");
    case "arr":
      return node.items.map((item) => build(item, results));
    case "obj": {
      const out: Record<string, unknown> = {};
      for (const [key, child] of node.entries) out[key] = build(child, results);
      return out;
    }
  }
}

/** As jq's "\(…)": strings as they are, everything else as JSON. */
function interpolate(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? "null";
}

function expressionError(expr: CompiledExpr, message: string) {
  return workflowError("expression", `cannot evaluate ${expr.display}: ${message}`, {
    title: "Expression error",
  });
}
