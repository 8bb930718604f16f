// `wait`: pauses for a duration; cancellation and timeouts cut it short at once. In a
// durable run it records when it began, so a resumed wait waits only what remains.
import { formatMs } from "../durations.ts";
import { keptValue } from "../journal.ts";
import { sleep } from "../signals.ts";
import type { TaskKind } from "../task.ts";

export const waitTask: TaskKind<number> = {
  prepare(definition, at) {
    return at.duration(definition.wait, "wait") ?? 0;
  },
  async run(ms, call) {
    let remaining = ms;
    if (ms > 0) {
      // Wall-clock time: the run may resume in another process, or on another server.
      const began = await keptValue(call.run.hooks.journal, "wait", Date.now());
      if (began.kept) {
        remaining = Math.max(0, Math.min(ms, began.value + ms - Date.now()));
        await call.run.emit({
          type: "log",
          task: call.task.path,
          message: `resumed wait: ${formatMs(remaining)} of ${formatMs(ms)} remain`,
          data: { remainingMs: remaining, durationMs: ms },
        });
      }
    }
    await sleep(remaining, call.signal);
    return { output: call.input };
  },
};
