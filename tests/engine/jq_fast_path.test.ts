// The jq subset computed in JavaScript (src/engine/simple.ts) against the real
// jq program: a few hundred generated expressions over generated inputs, each
// computed value must be exactly what jq prints. Debian's jq is 1.6 while the
// engine runs jq 1.7 (jq-web), so expressions keep to syntax both share
// (`if` always has `else`); expressions.test.ts compares with jq-web as well.
import { assert, assertEquals } from "../helpers/assert.ts";
import { evaluateSimple, parseSimple, UNSUPPORTED } from "../../src/engine/simple.ts";

/** A small seeded generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ["a", "b", "s", "list", "n"];
const NUMBERS = [0, 1, -3, 2.5, 7, 100, -0.5, -7, 3, 1e3];
const STRINGS = ["", "a", "ab", "B", "x y", "Ab", "Éa"];
const SCALARS: unknown[] = [null, true, false, ...NUMBERS, ...STRINGS];

/**
 * Values and expressions. Expressions are written for a type (number, string,
 * boolean or anything), so that most of them compute rather than hit a type
 * error, which the fast path leaves to jq; inputs hold mostly what the fields
 * are read as (`.a`, `.b`, `$a`: numbers; `.s`: a string; `.list`: an array).
 */
function generator(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const value = (depth: number): unknown => {
    const roll = next();
    if (depth <= 0 || roll < 0.7) return pick(SCALARS);
    if (roll < 0.85) return Array.from({ length: Math.floor(next() * 3) }, () => value(depth - 1));
    return Object.fromEntries(KEYS.filter(() => next() < 0.5).map((k) => [k, value(depth - 1)]));
  };
  const often = <T>(typical: () => T, other: () => unknown) => next() < 0.8 ? typical() : other();
  const record = (): Record<string, unknown> => ({
    a: often(() => pick(NUMBERS), () => value(1)),
    b: often(() => pick(NUMBERS), () => value(1)),
    s: often(() => pick(STRINGS), () => value(1)),
    list: often(() => [pick(NUMBERS), pick(STRINGS), value(1)], () => value(1)),
    n: value(2),
  });
  const variable = () => often(() => pick(NUMBERS), () => value(2));

  type Kind = "num" | "str" | "bool" | "any";
  const expression = (kind: Kind, depth: number): string => {
    const sub = (k: Kind) => `(${expression(k, depth - 1)})`;
    const leaf = depth <= 0 || next() < 0.25;
    const choices: Record<Kind, Array<() => string>> = {
      num: leaf
        ? [() => String(pick(NUMBERS)), () => ".a", () => ".b", () => "$a", () => ".list[0]"]
        : [
          () => `${sub("num")} ${pick(["+", "-", "*", "/", "%"])} ${sub("num")}`,
          () => `${sub(pick(["str", "any"]))} | length`,
          () => `if ${sub("bool")} then ${sub("num")} else ${sub("num")} end`,
          () => `${sub("any")} // ${sub("num")}`,
        ],
      str: leaf ? [() => JSON.stringify(pick(STRINGS)), () => ".s", () => ".list[1]"] : [
        () => `${sub("str")} + ${sub("str")}`,
        () => `${sub("str")} | ${pick(["ascii_downcase", "ascii_upcase"])}`,
        () => `${sub("any")} | type`,
        () =>
          `if ${sub("bool")} then ${sub("str")} elif ${sub("bool")} then ${sub("str")} else ${
            sub("str")
          } end`,
      ],
      bool: leaf ? [() => pick(["true", "false", "null"]), () => ".n.a"] : [
        () => `${sub("num")} ${pick(["==", "!=", "<", "<=", ">", ">="])} ${sub("num")}`,
        () => `${sub("str")} ${pick(["==", "<", ">="])} ${sub("str")}`,
        () => `${sub("any")} ${pick(["==", "!="])} ${sub("any")}`,
        () => `${sub("bool")} ${pick(["and", "or"])} ${sub("any")}`,
        () => `${sub("any")} | not`,
      ],
      any: leaf
        ? [() => ".", () => `.n.${pick(KEYS)}`, () => ".list[-1]", () => "$b", () => "$b[.s]"]
        : [
          () => expression(pick(["num", "str", "bool"] as const), depth),
          () => `[${sub("num")}, ${sub("any")}]`,
          () => `{${pick(KEYS)}: ${sub("any")}, $a, "k y": ${sub("str")}}`,
          () => `${sub("any")} + ${sub("any")}`,
          () => `${sub("any")} | ${expression("any", depth - 1)}`,
          () => `${sub("any")}.${pick(KEYS)}`,
        ],
    };
    return pick(choices[kind])();
  };
  const kinds = ["num", "num", "str", "bool", "any"] as const;
  return { record, variable, expression: (depth: number) => expression(pick(kinds), depth) };
}

interface Case {
  source: string;
  dot: unknown;
  a: unknown;
  b: unknown;
}

/** Real jq's outputs for each case: `[outputs]`, or its error; one process per 40 cases. */
async function realJq(cases: Case[]): Promise<Array<{ v?: unknown[]; e?: unknown }>> {
  const answers = [];
  for (let at = 0; at < cases.length; at += 40) {
    answers.push(...await realJqOnce(cases.slice(at, at + 40)));
  }
  return answers;
}

/** One jq process, one branch per case (jq refuses a program much longer than this). */
async function realJqOnce(cases: Case[]): Promise<Array<{ v?: unknown[]; e?: unknown }>> {
  const branches = cases.map((c, i) =>
    `${i === 0 ? "if" : "elif"} $i == ${i} then (try {v: [${c.source}]} catch {e: .})`
  );
  const program = `.a as $a | .b as $b | .i as $i | .dot | ${branches.join(" ")} else null end`;
  const input = cases.map((c, i) => JSON.stringify({ i, dot: c.dot, a: c.a, b: c.b })).join("\n");
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("jq", {
      args: ["-c", program],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error("jq is not installed: apt-get install jq (.ci/run does)");
    }
    throw err;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  assertEquals(out.code, 0, text.decode(out.stderr));
  return text.decode(out.stdout).trim().split("\n").map((line) => JSON.parse(line));
}

Deno.test("jq fast path: generated expressions give exactly what the jq program prints", async () => {
  const next = random(20261201);
  const { record, variable, expression } = generator(next);
  const cases: Case[] = Array.from({ length: 1000 }, () => ({
    source: expression(next() < 0.5 ? 2 : 3),
    dot: record(),
    a: variable(),
    b: variable(),
  }));
  const answers = await realJq(cases);
  assertEquals(answers.length, cases.length);
  let computed = 0;
  cases.forEach((c, i) => {
    const tree = parseSimple(c.source);
    assert(tree, `the generator wrote an expression outside the subset: ${c.source}`);
    const vars: Record<string, { value: unknown }> = { a: { value: c.a }, b: { value: c.b } };
    const got = evaluateSimple(tree, c.dot, (name) => vars[name]);
    if (got === UNSUPPORTED) return; // real jq answers these at run time
    computed++;
    const where = `${c.source} with . = ${JSON.stringify(c.dot)}, $a = ${
      JSON.stringify(c.a)
    }, $b = ${JSON.stringify(c.b)}`;
    assertEquals({ v: [got] }, answers[i], where);
  });
  // Most cases must really be computed in JavaScript, or this test proves little.
  assert(computed >= 400, `only ${computed} of ${cases.length} computed`);
  console.log(`${computed} of ${cases.length} computed in JavaScript and equal to jq's`);
});
