import assert from "node:assert/strict";
import {
  compileExpression,
  compileTemplate,
  evaluate,
  Var,
  type Vars,
} from "../../src/engine/expressions.ts";
import { loadJq, runJq } from "../../src/engine/jq.ts";
import { evaluateSimple, parseSimple, UNSUPPORTED } from "../../src/engine/simple.ts";
import { ERROR_TYPES, WorkflowError } from "../../src/engine/mod.ts";
import { rejection, run, workflow } from "./helpers.ts";

await loadJq();

function value(template: unknown, dot: unknown = {}, vars: Vars = {}) {
  return evaluate(compileTemplate(template), dot, vars);
}

Deno.test("expressions: values without ${ } are constants, returned as they are", () => {
  const object = { a: 1, b: ["x", { c: "plain $ { text }" }] };
  const template = compileTemplate(object);
  assert.equal(template.needsJq, false);
  assert.equal(evaluate(template, {}, {}), object);
});

Deno.test("expressions: a whole-string expression keeps its JSON type", () => {
  const dot = { n: 2, s: "x", list: [1, 2] };
  assert.equal(value("${ .n * 3 }", dot), 6);
  assert.deepEqual(value("${ .list | map(. + 1) }", dot), [2, 3]);
  assert.deepEqual(value('  ${ {a: .n, b: "}"} }  ', dot), { a: 2, b: "}" });
  assert.equal(value("${ .missing }", dot), null);
  assert.equal(value("${ empty }", dot), null, "no output is null");
  assert.deepEqual(value("${ .list[] }", dot), [1, 2], "several outputs become an array");
});

Deno.test("expressions: ${ } inside a longer string interpolates", () => {
  const dot = { name: "Ada", n: 3, tags: ["a"] };
  assert.equal(
    value("Hello ${ .name }, you have ${ .n } tags: ${ .tags }!", dot),
    'Hello Ada, you have 3 tags: ["a"]!',
  );
  assert.equal(value("${ .name }${ .name }", dot), "AdaAda");
  assert.equal(value('${ "a \\(.name | ascii_upcase) b" } and more', dot), "a ADA b and more");
});

Deno.test("expressions: objects and arrays are evaluated member by member, in one jq call", () => {
  const template = compileTemplate({
    sum: "${ .a + .b }",
    same: "${ .a }",
    nested: [{ up: "${ .s | ascii_upcase }" }],
    k: 1,
  });
  assert.equal(template.needsJq, true);
  assert.deepEqual(evaluate(template, { a: 1, b: 2, s: "q" }, {}), {
    sum: 3,
    same: 1,
    nested: [{ up: "Q" }],
    k: 1,
  });
});

Deno.test("expressions: fields that are expressions by definition need no ${ }", () => {
  assert.equal(evaluate(compileExpression(".a > 1"), { a: 2 }, {}), true);
  assert.equal(evaluate(compileExpression("${ .a > 1 }"), { a: 0 }, {}), false);
  assert.deepEqual(evaluate(compileExpression({ x: "${ .a }" }), { a: 5 }, {}), { x: 5 });
});

Deno.test("expressions: variables are bound as jq variables", () => {
  const vars: Vars = {
    input: Var.of({ who: "in" }),
    item: Var.of(7),
    context: Var.of({ c: true }),
  };
  assert.deepEqual(value("${ [$input.who, $item + 1, $context.c, .d] }", { d: "dot" }, vars), [
    "in",
    8,
    true,
    "dot",
  ]);
  assert.deepEqual(value("${ $ENV | type }", {}, vars), "object", "jq's own $ENV still works");
});

Deno.test("expressions: plain paths read in JavaScript behave exactly like jq", () => {
  const inputs: unknown[] = [
    { a: { b: 1 } },
    { a: null },
    {},
    null,
    { a: 5 },
    { a: [1] },
    { a: "s" },
    { a: true },
    { a: { b: { c: [1, { d: 2 }] } } },
  ];
  const vars: Vars = { input: Var.of({ a: { b: "v" } }), n: Var.of(3) };
  for (
    const path of [".", ".a", ".a.b", ".a.b.c", "$input", "$input.a.b", "$n", "$n.x", "$missing"]
  ) {
    const fast = compileTemplate(`\${ ${path} }`);
    const viaJq = compileTemplate(`\${ ${path} | . }`);
    assert.equal(fast.needsJq, false, path);
    assert.equal(viaJq.needsJq, true, path);
    for (const dot of inputs) {
      const outcome = (template: typeof fast) => {
        try {
          return { value: evaluate(template, dot, vars) };
        } catch (error) {
          // Same jq message; only the quoted expression differs.
          return { error: (error as Error).message.replace(/^cannot evaluate \$\{ .*? \}: /, "") };
        }
      };
      assert.deepEqual(outcome(fast), outcome(viaJq), `${path} on ${JSON.stringify(dot)}`);
    }
  }
});

Deno.test("expressions: $input, $context, $workflow, $task and $runtime in a workflow", async () => {
  const doc = workflow([
    {
      first: {
        set: { seen: "${ $input.name }", task: "${ $task.name }", ref: "${ $task.reference }" },
      },
    },
    {
      second: {
        set: {
          workflowInput: "${ $workflow.input.name }",
          name: "${ $workflow.definition.document.name }",
          runtime: "${ $runtime.name }",
        },
        export: { as: "${ $context + {fromSecond: .name} }" },
      },
    },
    { third: { set: { ctx: "${ $context }", previous: "${ $input.workflowInput }" } } },
  ]);
  const { output, hooks } = await run(doc, { name: "Ada" });
  assert.deepEqual(output, { ctx: { fromSecond: "engine-test" }, previous: "Ada" });
  assert.deepEqual(
    hooks.events.find((e) => e.task === "do/0/first" && e.type === "task.completed")?.data,
    {
      seen: "Ada",
      task: "first",
      ref: "/do/0/first",
    },
  );
  assert.deepEqual(
    hooks.events.find((e) => e.task === "do/1/second" && e.type === "task.completed")?.data,
    {
      workflowInput: "Ada",
      name: "engine-test",
      runtime: "stigmer",
    },
  );
});

Deno.test("expressions: an error names the task path, the expression and jq's message", async () => {
  const doc = workflow([
    { ok: { set: { a: 1 } } },
    { fine: { set: { a: "${ .a }", b: "x" } } },
    { compute: { set: { total: "${ .a + .b }" } } },
  ]);
  const error = await rejection(run(doc));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.expression);
  assert.equal(error.status, 400);
  assert.equal(error.instance, "/do/2/compute");
  assert.equal(
    error.message,
    'do/2/compute: cannot evaluate ${ .a + .b }: number (1) and string ("x") cannot be added',
  );
});

Deno.test("expressions: a jq syntax error is an expression error too", async () => {
  const error = await rejection(run(workflow([{ broken: { set: { x: "${ .a | }" } } }])));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.expression);
  assert.match(error.message, /^do\/0\/broken: cannot evaluate \$\{ \.a \| \}: syntax error/);
});

Deno.test("expressions: in a batch, the failing expression is the one quoted", async () => {
  const error = await rejection(
    run(
      workflow([{
        many: { set: { a: "${ .x + 1 }", b: "${ .x | ascii_downcase }", c: "${ .x * 2 }" } },
      }]),
      { x: 2 },
    ),
  );
  assert.match(error.message, /^do\/0\/many: cannot evaluate \$\{ \.x \| ascii_downcase \}: /);
});

/** jq's own answers, in one call: `try` keeps its error messages. */
function jqAnswers(input: unknown, programs: string[]): Array<{ v?: unknown; e?: unknown }> {
  const program = `.[0] as $a | .[1] as $b | [${
    programs.map((p) => `(try {v: (${p})} catch {e: .})`).join(", ")
  }]`;
  return (runJq(JSON.stringify(input), program) as Array<Array<{ v?: unknown; e?: unknown }>>)[0];
}

const VALUES: unknown[] = [
  null,
  false,
  true,
  0,
  1,
  -3,
  2.5,
  7,
  "a",
  "ab",
  "é",
  "B",
  [],
  [1, "x"],
  {},
  { a: 1 },
];

Deno.test("expressions: operators computed in JavaScript match jq", () => {
  const ops = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "//"];
  const sources = [
    ...ops.map((op) => `$a ${op} $b`),
    "$a[$b]",
    "$a | length",
    "$b | not",
    "$a | type",
    "$a | ascii_downcase",
    "$b | ascii_upcase",
  ];
  let inJavaScript = 0;
  for (const a of VALUES) {
    for (const b of VALUES) {
      const expected = jqAnswers([a, b], sources);
      const vars: Vars = { a: Var.of(a), b: Var.of(b) };
      sources.forEach((source, i) => {
        const value = evaluateSimple(parseSimple(source)!, null, (name) => vars[name]);
        if (value === UNSUPPORTED) return;
        inJavaScript++;
        assert.deepEqual(
          { v: value },
          expected[i],
          `${source} with $a=${JSON.stringify(a)}, $b=${JSON.stringify(b)}`,
        );
      });
    }
  }
  assert.ok(inJavaScript > 2500, `${inJavaScript} computed in JavaScript`);
});

Deno.test("expressions: constructions and precedence in the JavaScript subset match jq", () => {
  const dot = { a: 2, b: 3, s: "x", list: [1, { k: "v" }], name: null, ok: true };
  const vars: Vars = { input: Var.of({ n: 4 }), item: Var.of({ price: 2.5 }) };
  const sources = [
    "1 + 2 * 3",
    "(1 + 2) * 3",
    "10 - 2 - 3",
    "40 / 2 / 5",
    "-7 % 3",
    ".a < 3 and .b > 2 or false",
    '.a == 2 and (.s + "y") == "xy"',
    ".missing.deeper == null",
    '.list + [2] == [1, {k: "v"}, 2]',
    "$input.n * 2 >= .b",
    "true and null",
    ". + {c: 1}",
    ".s.t + 1",
    "$nothing + 1",
    "1e300 * 1e300",
    '.name // "anonymous"',
    ".name // .missing // 5",
    ".a // 1 | . + 1",
    ".list[1].k",
    ".list[-1]",
    ".list[5]",
    ".list | length",
    "[.a, .b, .s | length]",
    "[.a | . * 2]",
    "[.a | ., .b]",
    "[]",
    "{}",
    '{id: .a, "quoted key": .s, $input, b, total: (.a + .b), n: .list | length}',
    "{a: 1 + 2}",
    'if .ok then "yes" else "no" end',
    "if .name then 1 elif .a == 2 then 2 else 3 end",
    "if .name then 1 end",
    "$item.price * .a + 1",
    ".a as $x | $x",
    ".list[]",
    "not",
    '.s | ascii_upcase + "!"',
  ];
  const outcome = (source: string) => {
    try {
      return { value: evaluate(compileTemplate(source), dot, vars) };
    } catch (error) {
      return { error: (error as Error).message.replace(/^cannot evaluate \$\{ .*? \}: /, "") };
    }
  };
  let inJavaScript = 0;
  for (const source of sources) {
    const template = compileTemplate(`\${ ${source} }`);
    assert.deepEqual(outcome(`\${ ${source} }`), outcome(`\${ (${source}) | . }`), source);
    const simple = parseSimple(source);
    if (simple && evaluateSimple(simple, dot, (name) => vars[name]) !== UNSUPPORTED) inJavaScript++;
    assert.ok(template.exprs.length === 1);
  }
  assert.ok(inJavaScript >= 28, `${inJavaScript} of ${sources.length} computed in JavaScript`);
});
