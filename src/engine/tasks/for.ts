// `for`: runs `do` once per item of `for.in`, with $item/$index (or the names given) set.
// Each iteration's input is the previous iteration's output; the last one is the task's output.
import { workflowError } from "../errors.ts";
import { evaluate, isTruthy, type Template, Var } from "../expressions.ts";
import type { PreparedList, TaskKind } from "../task.ts";

interface PreparedFor {
  each: string;
  at: string;
  in: Template;
  while?: Template;
  body: PreparedList;
}

export const forTask: TaskKind<PreparedFor> = {
  prepare(definition, at) {
    const spec = definition.for as Record<string, unknown> | null;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      at.problem("must be an object {each?, in, at?}", "for");
    }
    const collection = at.expression(spec?.in, "for/in");
    if (!collection) at.problem("needs `in`: an expression giving the list to iterate", "for/in");
    return {
      each: at.variable(spec?.each, "for/each", "item"),
      at: at.variable(spec?.at, "for/at", "index"),
      in: collection ?? at.template([]),
      while: at.expression(definition.while, "while"),
      body: at.list(definition.do, "do"),
    };
  },
  async run(prepared, call) {
    const collection = evaluate(prepared.in, call.input, call.vars);
    if (collection !== null && !Array.isArray(collection)) {
      throw workflowError(
        "validation",
        `for.in must give an array, got ${typeof collection}`,
      );
    }
    const items = collection ?? [];
    let current = call.input;
    for (let index = 0; index < items.length; index++) {
      if (call.signal.aborted) throw call.signal.reason;
      const lexical = {
        ...call.lexical,
        [prepared.each]: Var.of(items[index]),
        [prepared.at]: Var.of(index),
      };
      if (prepared.while) {
        const vars = {
          ...call.vars,
          [prepared.each]: lexical[prepared.each],
          [prepared.at]: lexical[prepared.at],
        };
        if (!isTruthy(evaluate(prepared.while, current, vars))) break;
      }
      const result = await call.run.runList(prepared.body, current, lexical, call.signal);
      current = result.output;
      if (result.end) return { output: current, end: true };
    }
    return { output: current };
  },
};
