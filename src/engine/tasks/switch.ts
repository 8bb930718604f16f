// `switch`: the first case whose `when` holds (or the default case) picks the flow
// directive. The output is the input, unchanged.
import { combineTemplates, evaluate, isTruthy, type Template } from "../expressions.ts";
import type { TaskKind } from "../task.ts";

interface SwitchCase {
  name: string;
  when?: Template;
  then?: string;
}

interface PreparedSwitch {
  cases: SwitchCase[]; // those with a condition, in order
  fallback?: SwitchCase;
  allConditions: Template; // every `when` in one template: one jq call in the usual case
}

export const switchTask: TaskKind<PreparedSwitch> = {
  prepare(definition, at) {
    const cases: SwitchCase[] = [];
    let fallback: SwitchCase | undefined;
    const list = definition.switch;
    if (!Array.isArray(list) || list.length === 0) {
      at.problem("must be a list of cases ([{name: {when, then}}, …])", "switch");
    } else {
      list.forEach((item, index) => {
        const entries = item && typeof item === "object" && !Array.isArray(item)
          ? Object.entries(item as Record<string, unknown>)
          : [];
        const field = `switch/${index}`;
        if (entries.length !== 1 || !entries[0][1] || typeof entries[0][1] !== "object") {
          at.problem("each case must be a single {name: {when, then}} object", field);
          return;
        }
        const [name, body] = entries[0] as [string, { when?: unknown; then?: unknown }];
        const switchCase: SwitchCase = {
          name,
          when: at.expression(body.when, `${field}/${name}/when`),
          then: at.directive(body.then, `${field}/${name}/then`),
        };
        if (switchCase.when) cases.push(switchCase);
        else if (fallback) at.problem("only one case may leave out `when` (the default)", field);
        else fallback = switchCase;
      });
    }
    return { cases, fallback, allConditions: combineTemplates(cases.map((c) => c.when!)) };
  },
  run(prepared, call) {
    const matched = firstMatch(prepared, call.input, call.vars) ?? prepared.fallback;
    return Promise.resolve({ output: call.input, then: matched?.then });
  },
};

function firstMatch(
  prepared: PreparedSwitch,
  input: unknown,
  vars: Parameters<typeof evaluate>[2],
): SwitchCase | undefined {
  let results: unknown[] | undefined;
  try {
    results = evaluate(prepared.allConditions, input, vars) as unknown[];
  } catch {
    // A later case's error must not hide an earlier match: go case by case.
  }
  for (let i = 0; i < prepared.cases.length; i++) {
    const value = results ? results[i] : evaluate(prepared.cases[i].when!, input, vars);
    if (isTruthy(value)) return prepared.cases[i];
  }
  return undefined;
}
