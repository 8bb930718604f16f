// `fork`: runs each task of `branches` concurrently, each with the fork's input. Without
// `compete`, the output is the branches' outputs in declaration order, and the first branch
// to fail cancels the others and fails the fork. With `compete: true`, the first branch to
// complete wins: its output is the fork's, and the others are cancelled (their tasks end
// with task.failed "cancelled"); the fork fails only when every branch failed (the first
// failure is reported). Branches are tasks of one list, but cannot jump to each other.
import { WorkflowCancelledError } from "../errors.ts";
import type { PreparedList, TaskKind } from "../task.ts";

interface PreparedFork {
  branches: PreparedList[];
  compete: boolean;
}

/** Why a losing or abandoned branch stops: a cancellation of that branch only. */
class BranchCancelled extends WorkflowCancelledError {
  override message = "branch cancelled: another branch of the fork finished first or failed";
}

export const forkTask: TaskKind<PreparedFork> = {
  prepare(definition, at) {
    const spec = definition.fork as Record<string, unknown> | null;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      at.problem("must be an object {branches, compete?}", "fork");
      return { branches: [], compete: false };
    }
    for (const field of Object.keys(spec)) {
      if (field !== "branches" && field !== "compete") {
        at.problem(`unknown field "${field}" (fork has branches and compete)`, `fork/${field}`);
      }
    }
    if (spec.compete !== undefined && typeof spec.compete !== "boolean") {
      at.problem("must be true or false", "fork/compete");
    }
    const list = at.list(spec.branches ?? [], "fork/branches");
    if (!Array.isArray(spec.branches) || spec.branches.length === 0) {
      at.problem("needs at least one branch", "fork/branches");
    }
    const branches = list.tasks.map((task) => {
      if (task.then !== undefined && !["continue", "exit", "end"].includes(task.then)) {
        at.problem(
          `a fork branch cannot go to another branch ("${task.then}"); use continue, exit or end`,
          `${task.path.slice(at.path.length + 1)}/then`,
        );
      }
      return { tasks: [task], indexOf: new Map([[task.name, 0]]) };
    });
    return { branches, compete: spec.compete === true };
  },

  async run(prepared, call) {
    const controller = new AbortController();
    const signal = AbortSignal.any([call.signal, controller.signal]);
    const runs = prepared.branches.map((branch) =>
      call.run.runList(branch, call.input, call.lexical, signal)
    );
    try {
      if (prepared.compete) {
        const winner = await Promise.any(runs).catch((error: AggregateError) => {
          throw call.signal.aborted ? call.signal.reason : error.errors[0];
        });
        return { output: winner.output, end: winner.end };
      }
      const results = await Promise.all(runs);
      return { output: results.map((r) => r.output), end: results.some((r) => r.end) };
    } finally {
      controller.abort(new BranchCancelled());
      // Let the cancelled branches settle (their events come before the fork's own).
      await Promise.allSettled(runs);
    }
  },
};
