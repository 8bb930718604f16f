// `call: <name>` of a function in `use.functions`: the function is a task; the call's
// `with` (its expressions evaluated) is that task's input, else the call's own input.
import { evaluate, type Template } from "../expressions.ts";
import type { PreparedList, TaskKind } from "../task.ts";

interface PreparedFunction {
  body: PreparedList;
  with?: Template;
}

export const functionTask: TaskKind<PreparedFunction> = {
  prepare(definition, at) {
    const name = String(definition.call);
    const functions = (at.document.use as { functions?: Record<string, unknown> } | undefined)
      ?.functions;
    const body = at.list([{ [name]: functions?.[name] }], "call");
    const args = definition.with;
    if (args !== undefined && (args === null || typeof args !== "object" || Array.isArray(args))) {
      at.problem("must be an object of the function's arguments", "with");
    }
    return { body, with: args === undefined ? undefined : at.template(args) };
  },
  async run(prepared, call) {
    const input = prepared.with ? evaluate(prepared.with, call.input, call.vars) : call.input;
    const result = await call.run.runList(prepared.body, input, call.lexical, call.signal);
    return { output: result.output, end: result.end };
  },
};
