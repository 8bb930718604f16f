// Workflow errors typed as the Serverless Workflow 1.0 spec describes them (RFC 7807
// problem details), so `catch.errors.with` can filter on type and status.

const SPEC_ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/";

export const ERROR_TYPES = {
  configuration: `${SPEC_ERRORS}configuration`,
  validation: `${SPEC_ERRORS}validation`,
  expression: `${SPEC_ERRORS}expression`,
  authentication: `${SPEC_ERRORS}authentication`,
  authorization: `${SPEC_ERRORS}authorization`,
  timeout: `${SPEC_ERRORS}timeout`,
  communication: `${SPEC_ERRORS}communication`,
  runtime: `${SPEC_ERRORS}runtime`,
} as const;

export type ErrorKind = keyof typeof ERROR_TYPES;

const DEFAULT_STATUS: Record<ErrorKind, number> = {
  configuration: 400,
  validation: 400,
  expression: 400,
  authentication: 401,
  authorization: 403,
  timeout: 408,
  communication: 500,
  runtime: 500,
};

/** The error as workflows see it in `$error` and as events carry it. */
export interface ProblemDetails {
  type: string;
  status: number;
  title: string;
  detail?: string;
  instance?: string; // JSON pointer of the task that raised it, e.g. "/do/2/compute"
}

export interface WorkflowErrorInit extends Omit<ProblemDetails, "title"> {
  title?: string;
  /** What the message says after the task path; defaults to "title: detail". */
  summary?: string;
  cause?: unknown;
}

/** An error a workflow can raise, catch and retry. */
export class WorkflowError extends Error {
  override name = "WorkflowError";
  readonly type: string;
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  instance?: string;
  readonly #summary: string;

  constructor(init: WorkflowErrorInit) {
    const title = init.title ?? "Workflow error";
    const summary = init.summary ?? (init.detail ? `${title}: ${init.detail}` : title);
    super(summary, { cause: init.cause });
    this.type = init.type;
    this.status = init.status;
    this.title = title;
    this.detail = init.detail;
    this.#summary = summary;
    if (init.instance) this.at(init.instance);
  }

  /** Records where the error happened (once: the innermost task wins) and names it in the message. */
  at(pointer: string): this {
    if (this.instance === undefined) {
      this.instance = pointer;
      const where = pointer.replace(/^\//, "");
      this.message = where ? `${where}: ${this.#summary}` : this.#summary;
    }
    return this;
  }

  toJSON(): ProblemDetails {
    const out: ProblemDetails = { type: this.type, status: this.status, title: this.title };
    if (this.detail !== undefined) out.detail = this.detail;
    if (this.instance !== undefined) out.instance = this.instance;
    return out;
  }
}

/** A spec-typed error of one of the standard kinds. */
export function workflowError(
  kind: ErrorKind,
  summary: string,
  options: { detail?: string; title?: string; status?: number; cause?: unknown } = {},
): WorkflowError {
  return new WorkflowError({
    type: ERROR_TYPES[kind],
    status: options.status ?? DEFAULT_STATUS[kind],
    title: options.title ?? `${kind[0].toUpperCase()}${kind.slice(1)} error`,
    detail: options.detail ?? summary,
    summary,
    cause: options.cause,
  });
}

/**
 * The run was cancelled through its AbortSignal. Not a WorkflowError on purpose:
 * `try`/`catch` must never swallow a cancellation.
 */
export class WorkflowCancelledError extends Error {
  override name = "WorkflowCancelledError";
  readonly cancelled = true;
  constructor(options: { cause?: unknown } = {}) {
    super("workflow execution cancelled", options);
  }
}

/** One thing wrong with a workflow definition, at a path like "do/0/fetch/with/endpoint". */
export interface WorkflowProblem {
  path: string;
  message: string;
}

export function formatProblem(problem: WorkflowProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/** A definition the engine cannot run; lists every problem found, not just the first. */
export class WorkflowDefinitionError extends WorkflowError {
  override name = "WorkflowDefinitionError";
  readonly problems: WorkflowProblem[];
  constructor(problems: WorkflowProblem[]) {
    const lines = problems.map(formatProblem);
    super({
      type: ERROR_TYPES.validation,
      status: 400,
      title: "Invalid workflow definition",
      detail: lines.join("; "),
      summary: lines.length === 1
        ? `invalid workflow: ${lines[0]}`
        : `invalid workflow (${lines.length} problems):\n  ${lines.join("\n  ")}`,
    });
    this.problems = problems;
  }
}

/** Anything thrown while a task ran, as a WorkflowError (unknown failures are runtime errors). */
export function asWorkflowError(error: unknown): WorkflowError {
  if (error instanceof WorkflowError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return workflowError("runtime", message, { cause: error });
}

/** "do/2/x" before "do/10/y": paths compared segment by segment, numbers as numbers. */
export function byDocumentOrder(a: WorkflowProblem, b: WorkflowProblem): number {
  const left = a.path.split("/");
  const right = b.path.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] === right[i]) continue;
    const [x, y] = [Number(left[i]), Number(right[i])];
    if (Number.isInteger(x) && Number.isInteger(y)) return x - y;
    return 0; // siblings' fields: keep the order they were found in
  }
  return left.length - right.length;
}
