// Runs a prepared workflow: threads data from task to task (input.from → task → output.as
// → export.as), follows flow directives, applies timeouts and cancellation, emits events.
import { formatMs } from "./durations.ts";
import { asWorkflowError, WorkflowCancelledError, WorkflowError, workflowError } from "./errors.ts";
import { checkData, loadDataSchemas } from "./data_schemas.ts";
import { boundedData } from "./events.ts";
import { evaluate, isTruthy, Var, type Vars } from "./expressions.ts";
import { loadJq } from "./jq.ts";
import { completedEntry, failedEntry, JournalKeys, replayEntry } from "./journal.ts";
import { type PreparedWorkflow, prepareWorkflow } from "./prepare.ts";
import { withTimeout, yieldToEventLoop } from "./signals.ts";
import type { ListResult, PreparedList, PreparedTask, RunContext, TaskResult } from "./task.ts";
import type { EngineEvent, EngineHooks, RunOptions, WorkflowDocument } from "./types.ts";

/** Longest stretch of instant tasks before the engine lets timers and sockets run. */
const YIELD_EVERY_MS = 10;

const RUNTIME = Var.of({ name: "stigmer", version: "1.0.0", metadata: { dsl: "1.0.0" } });

/**
 * Runs a Serverless Workflow 1.0 document and resolves with its output.
 *
 * Rejects with WorkflowDefinitionError before any task runs when the document is not
 * runnable, WorkflowError when a task fails (typed per the spec, `instance` = failing
 * task), or WorkflowCancelledError when `options.signal` aborts.
 */
export async function runWorkflow(
  document: WorkflowDocument,
  input: unknown,
  hooks: EngineHooks,
  options: RunOptions,
): Promise<unknown> {
  if (options.signal.aborted) throw new WorkflowCancelledError({ cause: options.signal.reason });
  const prepared = prepareWorkflow(document);
  if (prepared.needsSchemas) {
    try {
      await loadDataSchemas();
    } catch (error) {
      throw workflowError("runtime", (error as Error).message, { cause: error });
    }
  }
  if (prepared.needsJq) {
    try {
      await loadJq();
    } catch (error) {
      throw workflowError("runtime", (error as Error).message, { cause: error });
    }
  }
  return await new Run(document, prepared, hooks, options).start(input);
}

class Run implements RunContext {
  readonly hooks: EngineHooks;
  readonly fetch: typeof fetch;
  readonly #document: WorkflowDocument;
  readonly #prepared: PreparedWorkflow;
  readonly options: RunOptions;
  readonly #controller = new AbortController();
  readonly #context = Var.of({});
  readonly #keys = new JournalKeys();
  #lastYield = performance.now();

  constructor(
    document: WorkflowDocument,
    prepared: PreparedWorkflow,
    hooks: EngineHooks,
    options: RunOptions,
  ) {
    this.#document = document;
    this.#prepared = prepared;
    this.hooks = hooks;
    this.fetch = hooks.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.options = options;
  }

  async start(rawInput: unknown): Promise<unknown> {
    const cancel = this.options.signal;
    const onCancel = () =>
      this.#controller.abort(new WorkflowCancelledError({ cause: cancel.reason }));
    if (cancel.aborted) throw new WorkflowCancelledError({ cause: cancel.reason });
    cancel.addEventListener("abort", onCancel, { once: true });
    let signal = this.#controller.signal;
    const workflowTimeout = this.#prepared.timeoutMs;
    const timeout = workflowTimeout === undefined ? undefined : withTimeout(
      signal,
      workflowTimeout,
      () =>
        workflowError("timeout", `the workflow timed out after ${formatMs(workflowTimeout)}`, {
          title: "Workflow timed out",
        }).at(""),
    );
    if (timeout) signal = timeout.signal;

    try {
      const startedAt = new Date();
      const lexical: Vars = {
        context: this.#context,
        workflow: Var.lazy(() => ({
          id: this.options.executionId ?? crypto.randomUUID(),
          definition: this.#document,
          input: rawInput,
          startedAt: timestamp(startedAt),
        })),
        runtime: RUNTIME,
        secrets: Var.of(this.options.secrets ?? {}),
      };
      const { inputFrom, outputAs, inputSchema, outputSchema } = this.#prepared;
      if (inputSchema) {
        atRoot("/input/schema", () => checkData(inputSchema, rawInput, "the workflow's input"));
      }
      const input = inputFrom
        ? atRoot(
          "/input/from",
          () => evaluate(inputFrom, rawInput, { ...lexical, context: undefined }),
        )
        : rawInput;
      const result = await this.runList(this.#prepared.list, input, lexical, signal);
      const output = outputAs
        ? atRoot("/output/as", () => evaluate(outputAs, result.output, lexical))
        : result.output;
      if (outputSchema) {
        atRoot("/output/schema", () => checkData(outputSchema, output, "the workflow's output"));
      }
      return output;
    } catch (error) {
      throw this.#cancellation() ?? error;
    } finally {
      cancel.removeEventListener("abort", onCancel);
      timeout?.dispose();
    }
  }

  emit(event: EngineEvent): void | Promise<void> {
    return this.hooks.emit(event);
  }

  async runList(
    list: PreparedList,
    input: unknown,
    lexical: Vars,
    signal: AbortSignal,
  ): Promise<ListResult> {
    let current = input;
    let index = 0;
    while (index < list.tasks.length) {
      if (performance.now() - this.#lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        this.#lastYield = performance.now();
      }
      if (signal.aborted) throw signal.reason;
      const result = await this.#runTask(list.tasks[index], current, lexical, signal);
      current = result.output;
      const then = result.end ? "end" : result.then ?? "continue";
      if (then === "continue") index++;
      else if (then === "exit") return { output: current, end: false };
      else if (then === "end") return { output: current, end: true };
      else index = list.indexOf.get(then)!; // checked when prepared
    }
    return { output: current, end: false };
  }

  async #runTask(
    task: PreparedTask,
    rawInput: unknown,
    lexical: Vars,
    signal: AbortSignal,
  ): Promise<TaskResult> {
    const began = performance.now();
    const startedAt = Date.now();
    const taskVar = Var.lazy(() => ({
      name: task.name,
      reference: task.pointer,
      definition: task.definition,
      input: rawInput,
      output: null,
      startedAt: timestamp(new Date(startedAt)),
    }));
    let started = false;
    let timeout: ReturnType<typeof withTimeout> | undefined;
    // Durable runs: a task whose outcome is recorded is not run again, nor are its events emitted.
    const journal = this.hooks.journal;
    const entry = journal && this.#keys.next(task.pointer);
    const recorded = entry && await journal!.replay(entry.key, task.path);
    let ran = false;
    let contextBefore: unknown;
    try {
      if (task.inputSchema) checkData(task.inputSchema, rawInput, "the task's input");
      const input = task.inputFrom
        ? evaluate(task.inputFrom, rawInput, { ...lexical, task: taskVar })
        : rawInput;
      const vars: Vars = { ...lexical, input: Var.of(input), task: taskVar };
      if (task.if && !isTruthy(evaluate(task.if, input, vars))) {
        await this.emit({ type: "log", task: task.path, message: "skipped: its `if` is false" });
        return { output: rawInput };
      }
      started = true;
      if (!recorded) await this.emit({ type: "task.started", task: task.path, message: task.kind });

      const timeoutMs = task.timeoutMs ??
        (task.defaultTimeout ? this.options.defaultTaskTimeoutMs : undefined);
      if (timeoutMs !== undefined) {
        timeout = withTimeout(
          signal,
          timeoutMs,
          () =>
            workflowError("timeout", `timed out after ${formatMs(timeoutMs)}`, {
              title: "Task timed out",
            }).at(task.pointer),
        );
      }
      const call = { task, input, vars, lexical, signal: timeout?.signal ?? signal, run: this };
      let result: TaskResult;
      if (recorded) {
        if ("context" in recorded) this.#context.set(recorded.context);
        result = replayEntry(recorded);
      } else if (entry) {
        contextBefore = this.#context.value;
        ran = true;
        result = await this.#keys.within(entry.scope, () => task.run(call));
        ran = false;
        const context = this.#context.value;
        await journal!.record(
          entry.key,
          completedEntry(result, context === contextBefore ? undefined : context),
          task.path,
        );
      } else result = await task.run(call);

      const output = task.outputAs ? evaluate(task.outputAs, result.output, vars) : result.output;
      if (task.outputSchema) checkData(task.outputSchema, output, "the task's output");
      if (task.exportAs) {
        this.#context.set(evaluate(task.exportAs, output, { ...vars, output: Var.of(output) }));
      }
      if (recorded) return { output, then: result.then ?? task.then, end: result.end };
      await this.emit({
        type: "task.completed",
        task: task.path,
        message: `completed in ${formatMs(Math.round(performance.now() - began))}`,
        data: boundedData(output),
      });
      return { output, then: result.then ?? task.then, end: result.end };
    } catch (error) {
      const failure = this.#failure(error, timeout?.signal ?? signal, task);
      if (recorded) throw failure;
      if (ran && failure instanceof WorkflowError) {
        const context = this.#context.value;
        const changed = context === contextBefore ? undefined : context;
        await journal!.record(entry!.key, failedEntry(failure, changed), task.path);
      }
      if (!started) await this.emit({ type: "task.started", task: task.path, message: task.kind });
      await this.emit({
        type: "task.failed",
        task: task.path,
        message: failure instanceof WorkflowError ? failure.message : "cancelled",
        data: failure instanceof WorkflowError ? failure.toJSON() : undefined,
      });
      throw failure;
    } finally {
      timeout?.dispose();
    }
  }

  /** What a task's failure becomes: the cancellation, a timeout, or a WorkflowError located at the task. */
  #failure(
    error: unknown,
    signal: AbortSignal,
    task: PreparedTask,
  ): WorkflowError | WorkflowCancelledError {
    const cancelled = this.#cancellation();
    if (cancelled) return cancelled;
    if (error instanceof WorkflowCancelledError) return error;
    // An operation aborted by a timeout rejects with whatever it likes (an AbortError…).
    const cause = !(error instanceof WorkflowError) && signal.aborted ? signal.reason : error;
    if (cause instanceof WorkflowCancelledError) return cause; // a fork's losing branch
    return asWorkflowError(cause).at(task.pointer);
  }

  #cancellation(): WorkflowCancelledError | undefined {
    const reason = this.#controller.signal.reason;
    return reason instanceof WorkflowCancelledError ? reason : undefined;
  }
}

function atRoot(pointer: string, evaluateIt: () => unknown): unknown {
  try {
    return evaluateIt();
  } catch (error) {
    throw asWorkflowError(error).at(pointer);
  }
}

function timestamp(date: Date) {
  const ms = date.getTime();
  return {
    iso8601: date.toISOString(),
    epoch: { seconds: Math.floor(ms / 1000), milliseconds: ms },
  };
}
