// `raise`: fails the task with the given error (inline, or named in use.errors).
import { WorkflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import type { TaskKind } from "../task.ts";

export const raiseTask: TaskKind<Template> = {
  prepare(definition, at) {
    let error = (definition.raise as { error?: unknown } | null | undefined)?.error;
    if (typeof error === "string") {
      const name = error;
      error = at.document.use?.errors?.[name];
      if (error === undefined) at.problem(`no error named "${name}" in use.errors`, "raise/error");
    } else if (error === undefined) {
      at.problem("needs an error: {type, status, title?, detail?}", "raise/error");
    }
    if (error !== undefined) {
      const e = error as Record<string, unknown> | null;
      if (e === null || typeof e !== "object" || Array.isArray(e)) {
        at.problem("must be an object {type, status, title?, detail?}", "raise/error");
      } else {
        if (typeof e.type !== "string" || !e.type) {
          at.problem(
            "needs a type (a URI, e.g. https://serverlessworkflow.io/spec/1.0.0/errors/runtime)",
            "raise/error/type",
          );
        }
        if (typeof e.status !== "number" && typeof e.status !== "string") {
          at.problem("needs a status (an integer, e.g. 400)", "raise/error/status");
        }
      }
    }
    return at.template(error ?? {});
  },
  run(template, call) {
    const e = evaluate(template, call.input, call.vars) as Record<string, unknown>;
    const title = e.title === undefined || e.title === null ? undefined : String(e.title);
    const detail = e.detail === undefined || e.detail === null ? undefined : String(e.detail);
    const status = Number(e.status);
    return Promise.reject(
      new WorkflowError({
        type: String(e.type),
        status: Number.isInteger(status) ? status : 500,
        title: title ?? String(e.type),
        detail,
        instance: typeof e.instance === "string" ? e.instance : undefined,
      }),
    );
  },
};
