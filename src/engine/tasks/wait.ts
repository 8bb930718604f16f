// `wait`: pauses for a duration; cancellation and timeouts cut it short at once.
import { sleep } from "../signals.ts";
import type { TaskKind } from "../task.ts";

export const waitTask: TaskKind<number> = {
  prepare(definition, at) {
    return at.duration(definition.wait, "wait") ?? 0;
  },
  async run(ms, call) {
    await sleep(ms, call.signal);
    return { output: call.input };
  },
};
