// `try`/`catch`: runs `try`; an error that passes the catch's filter is retried (per
// `retry`), then handled by `catch.do`, whose output becomes the task's output. With no
// `do`, a caught error is swallowed and the task outputs its input — unless the catch has
// a retry policy: an error it stops retrying fails the task (retry exhaustion is a failure).
import { formatMs } from "../durations.ts";
import { type ProblemDetails, WorkflowError } from "../errors.ts";
import { evaluate, isTruthy, type Template, Var, type Vars } from "../expressions.ts";
import { sleep } from "../signals.ts";
import type { PrepareContext, PreparedList, TaskKind } from "../task.ts";

interface RetryPolicy {
  when?: Template;
  exceptWhen?: Template;
  delayMs: number;
  backoff: "constant" | "linear" | "exponential";
  maxAttempts: number; // retries after the first run
  maxDurationMs?: number;
  jitter?: { fromMs: number; toMs: number };
}

interface PreparedTry {
  body: PreparedList;
  filter: Partial<Record<keyof ProblemDetails, unknown>>;
  as: string;
  when?: Template;
  exceptWhen?: Template;
  retry?: RetryPolicy;
  handler?: PreparedList;
}

/** Retries when a policy sets no limit at all: bounded, so a typo cannot loop for ever. */
export const DEFAULT_RETRY_ATTEMPTS = 3;

const FILTER_FIELDS = ["type", "status", "instance", "title", "details", "detail"];

export const tryTask: TaskKind<PreparedTry> = {
  prepare(definition, at) {
    const body = at.list(definition.try, "try");
    const spec = definition.catch as Record<string, unknown> | null | undefined;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      at.problem("needs a catch: {errors?, as?, when?, retry?, do?}", "catch");
      return { body, filter: {}, as: "error" };
    }
    const errors = spec.errors as { with?: Record<string, unknown> } | undefined;
    const filter: PreparedTry["filter"] = {};
    for (const [field, value] of Object.entries(errors?.with ?? {})) {
      if (!FILTER_FIELDS.includes(field)) {
        at.problem(`unknown error filter field "${field}"`, `catch/errors/with/${field}`);
      } else {
        filter[field === "details" ? "detail" : field as keyof ProblemDetails] = value;
      }
    }
    return {
      body,
      filter,
      as: at.variable(spec.as, "catch/as", "error"),
      when: at.expression(spec.when, "catch/when"),
      exceptWhen: at.expression(spec.exceptWhen, "catch/exceptWhen"),
      retry: spec.retry === undefined ? undefined : prepareRetry(spec.retry, at),
      handler: spec.do === undefined ? undefined : at.list(spec.do, "catch/do"),
    };
  },

  async run(prepared, call) {
    const startedAt = performance.now();
    for (let retries = 0;; retries++) {
      try {
        const result = await call.run.runList(prepared.body, call.input, call.lexical, call.signal);
        return { output: result.output, end: result.end };
      } catch (error) {
        // Cancellation, and timeouts of this task or an enclosing one, are not ours to catch.
        if (!(error instanceof WorkflowError) || call.signal.aborted) throw error;
        const errorVar = Var.of(error.toJSON());
        const vars = { ...call.vars, [prepared.as]: errorVar };
        if (!caught(prepared, error, call.input, vars)) throw error;

        const retry = prepared.retry;
        if (retry) {
          const delay = retryDelay(retry, retries, startedAt, call.input, vars);
          if (delay !== undefined) {
            await call.run.emit({
              type: "log",
              task: call.task.path,
              message: `retrying in ${formatMs(delay)} (retry ${retries + 1} of ${
                retry.maxAttempts === Infinity ? "∞" : retry.maxAttempts
              }) after: ${error.message}`,
            });
            await sleep(delay, call.signal);
            continue;
          }
          if (!prepared.handler) throw error;
        }
        if (!prepared.handler) return { output: call.input };
        const lexical = { ...call.lexical, [prepared.as]: errorVar };
        const handled = await call.run.runList(prepared.handler, call.input, lexical, call.signal);
        return { output: handled.output, end: handled.end };
      }
    }
  },
};

function caught(prepared: PreparedTry, error: WorkflowError, input: unknown, vars: Vars): boolean {
  const details = error.toJSON();
  for (const [field, expected] of Object.entries(prepared.filter)) {
    const actual = details[field as keyof ProblemDetails];
    if (field === "type" && typeof expected === "string" && !expected.includes("/")) {
      // Short form: `type: communication` matches the standard type URI's last segment.
      if (typeof actual !== "string" || actual.split("/").at(-1) !== expected) return false;
    } else if (field === "status") {
      if (Number(expected) !== actual) return false;
    } else if (expected !== actual) return false;
  }
  if (prepared.when && !isTruthy(evaluate(prepared.when, input, vars))) return false;
  if (prepared.exceptWhen && isTruthy(evaluate(prepared.exceptWhen, input, vars))) return false;
  return true;
}

/** The delay before the next retry, or undefined when the policy says stop. */
function retryDelay(
  retry: RetryPolicy,
  retries: number,
  startedAt: number,
  input: unknown,
  vars: Vars,
): number | undefined {
  if (retries >= retry.maxAttempts) return undefined;
  if (retry.when && !isTruthy(evaluate(retry.when, input, vars))) return undefined;
  if (retry.exceptWhen && isTruthy(evaluate(retry.exceptWhen, input, vars))) return undefined;
  const attempt = retries + 1;
  let delay = retry.backoff === "linear"
    ? retry.delayMs * attempt
    : retry.backoff === "exponential"
    ? retry.delayMs * 2 ** (attempt - 1)
    : retry.delayMs;
  if (retry.jitter) {
    const { fromMs, toMs } = retry.jitter;
    delay += fromMs + Math.random() * Math.max(0, toMs - fromMs);
  }
  delay = Math.round(delay);
  const elapsed = performance.now() - startedAt;
  if (retry.maxDurationMs !== undefined && elapsed + delay > retry.maxDurationMs) return undefined;
  return delay;
}

function prepareRetry(value: unknown, at: PrepareContext): RetryPolicy | undefined {
  let spec = value;
  if (typeof value === "string") {
    spec = at.document.use?.retries?.[value];
    if (spec === undefined) {
      at.problem(`no retry policy named "${value}" in use.retries`, "catch/retry");
      return undefined;
    }
  }
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    at.problem("must be a retry policy {delay?, backoff?, limit?} or its name", "catch/retry");
    return undefined;
  }
  const policy = spec as Record<string, unknown>;
  const field = (name: string) => `catch/retry/${name}`;
  const backoffSpec = policy.backoff as Record<string, unknown> | undefined;
  const backoff = backoffSpec === undefined
    ? "constant"
    : (["constant", "linear", "exponential"] as const).find((b) => b in backoffSpec);
  if (!backoff) {
    at.problem("must be {constant: {}}, {linear: {}} or {exponential: {}}", field("backoff"));
  }

  const limit = (policy.limit ?? {}) as { attempt?: { count?: unknown }; duration?: unknown };
  const count = limit.attempt?.count;
  if (count !== undefined && (typeof count !== "number" || !Number.isInteger(count) || count < 0)) {
    at.problem("must be a non-negative integer", field("limit/attempt/count"));
  }
  const maxDurationMs = limit.duration === undefined
    ? undefined
    : at.duration(limit.duration, field("limit/duration"));
  const jitterSpec = policy.jitter as { from?: unknown; to?: unknown } | undefined;
  const jitter = jitterSpec === undefined ? undefined : {
    fromMs: at.duration(jitterSpec.from, field("jitter/from")) ?? 0,
    toMs: at.duration(jitterSpec.to, field("jitter/to")) ?? 0,
  };
  return {
    when: at.expression(policy.when, field("when")),
    exceptWhen: at.expression(policy.exceptWhen, field("exceptWhen")),
    delayMs: policy.delay === undefined ? 0 : at.duration(policy.delay, field("delay")) ?? 0,
    backoff: backoff ?? "constant",
    maxAttempts: typeof count === "number"
      ? count
      : maxDurationMs !== undefined
      ? Infinity
      : DEFAULT_RETRY_ATTEMPTS,
    maxDurationMs,
    jitter,
  };
}
