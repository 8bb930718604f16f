// The contract between the engine (engine.ts, prepare.ts) and each kind of task (tasks/*.ts).
import type { DataSchema } from "./data_schemas.ts";
import type { Template, Vars } from "./expressions.ts";
import type {
  EngineEvent,
  EngineHooks,
  RunOptions,
  TaskDefinition,
  WorkflowDocument,
} from "./types.ts";

/** A task checked and compiled once, before the run starts. */
export interface PreparedTask {
  readonly name: string;
  /** "do/0/greet": what events and messages show. */
  readonly path: string;
  /** "/do/0/greet": the JSON pointer that $task.reference and error.instance hold. */
  readonly pointer: string;
  /** "set", "call http", "for"… */
  readonly kind: string;
  readonly definition: TaskDefinition;
  readonly if?: Template;
  readonly inputFrom?: Template;
  readonly outputAs?: Template;
  readonly exportAs?: Template;
  /** `input.schema` / `output.schema`: checked before `input.from` and after `output.as`. */
  readonly inputSchema?: DataSchema;
  readonly outputSchema?: DataSchema;
  /** The task's own `timeout.after`. */
  readonly timeoutMs?: number;
  /** Whether RunOptions.defaultTaskTimeoutMs applies (calls: the tasks that wait on others). */
  readonly defaultTimeout: boolean;
  readonly then?: string;
  run(call: TaskCall): Promise<TaskResult>;
}

export interface PreparedList {
  readonly tasks: readonly PreparedTask[];
  readonly indexOf: ReadonlyMap<string, number>;
}

export interface TaskResult {
  output: unknown;
  /** Overrides the task's own `then` (a switch case's directive). */
  then?: string;
  /** A nested task asked to end the whole workflow. */
  end?: boolean;
}

export interface ListResult {
  output: unknown;
  end: boolean;
}

export interface TaskCall {
  readonly task: PreparedTask;
  /** The task's input after `input.from`. */
  readonly input: unknown;
  /** For the task's own expressions: $input, $task, $context and the enclosing variables. */
  readonly vars: Vars;
  /** What nested task lists see: $context, $workflow…, $item/$index, $error. */
  readonly lexical: Vars;
  /** Aborts on cancellation or when this task (or an enclosing one) times out. */
  readonly signal: AbortSignal;
  readonly run: RunContext;
}

export interface RunContext {
  readonly hooks: EngineHooks;
  readonly options: RunOptions;
  readonly fetch: typeof fetch;
  emit(event: EngineEvent): void | Promise<void>;
  runList(
    list: PreparedList,
    input: unknown,
    lexical: Vars,
    signal: AbortSignal,
  ): Promise<ListResult>;
}

export interface PrepareContext {
  /** The task's path, e.g. "do/1/loop". */
  readonly path: string;
  readonly document: WorkflowDocument;
  /** Records a problem with this task's definition (`field` is appended to its path). */
  problem(message: string, field?: string): void;
  /** Prepares a nested task list found at `<path>/<field>`. */
  list(value: unknown, field: string): PreparedList;
  /** A value in which `${…}` strings are expressions. */
  template(value: unknown): Template;
  /** A field that is an expression by definition (`${ }` optional); undefined stays undefined. */
  expression(value: unknown, field: string): Template | undefined;
  /** Milliseconds of a duration field, or undefined after recording a problem. */
  duration(value: unknown, field: string): number | undefined;
  /** A flow directive: continue, exit, end or the name of a task in the same list. */
  directive(value: unknown, field: string): string | undefined;
  /** A variable name declared by `for.each`, `for.at` or `catch.as`. */
  variable(value: unknown, field: string, fallback: string): string;
}

export interface TaskKind<P> {
  prepare(definition: TaskDefinition, at: PrepareContext): P;
  run(prepared: P, call: TaskCall): Promise<TaskResult>;
}
