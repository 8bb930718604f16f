// `do`: runs nested tasks in sequence; the last one's output is the task's output.
import type { PreparedList, TaskKind } from "../task.ts";

export const doTask: TaskKind<PreparedList> = {
  prepare(definition, at) {
    return at.list(definition.do, "do");
  },
  async run(list, call) {
    const result = await call.run.runList(list, call.input, call.lexical, call.signal);
    return { output: result.output, end: result.end };
  },
};
