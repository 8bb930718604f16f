// `set`: the task's output is the given object, its `${…}` expressions evaluated.
import { evaluate, type Template } from "../expressions.ts";
import type { TaskKind } from "../task.ts";

export const setTask: TaskKind<Template> = {
  prepare(definition, at) {
    const value = definition.set;
    if (typeof value === "string") return at.expression(value, "set")!;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      at.problem("must be an object of the values to set", "set");
    }
    return at.template(value);
  },
  run(template, call) {
    return Promise.resolve({ output: evaluate(template, call.input, call.vars) });
  },
};
