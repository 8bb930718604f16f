// `listen`: waits for CloudEvents on the caller's event bus (EngineHooks.events) without
// holding a thread: a subscription queues events and resolves a promise; cancellation and
// timeouts reject it at once. `to: one | any | all`, `until` (an expression over what was
// consumed, or events that stop it and are not kept), `foreach` (tasks per event), filters
// whose `with` attributes are literals, regular expressions or runtime expressions (`.` is
// the attribute's value), and `correlate` (values extracted from the event that must agree).
import { parseDuration } from "../durations.ts";
import { boundedData } from "../events.ts";
import {
  compileExpression,
  compileTemplate,
  evaluate,
  isTruthy,
  type Template,
  Var,
  type Vars,
} from "../expressions.ts";
import type { PrepareContext, PreparedList, TaskCall, TaskKind } from "../task.ts";
import type { WorkflowProblem } from "../errors.ts";
import type { CloudEvent } from "../types.ts";
import { eventBus } from "./emit.ts";

type Matcher =
  | { kind: "expression"; template: Template }
  | { kind: "literal"; value: unknown; pattern?: RegExp };

export interface PreparedFilter {
  attributes: Array<{ name: string; matcher: Matcher }>;
  correlate: Array<{ name: string; from: Template; expect?: Template }>;
}

export interface PreparedStrategy {
  mode: "one" | "any" | "all";
  filters: PreparedFilter[];
  untilExpression?: Template;
  untilEvents?: PreparedStrategy;
}

interface PreparedListen {
  to: PreparedStrategy;
  read: "data" | "envelope" | "raw";
  foreach?: { item: string; at: string; body?: PreparedList; outputAs?: Template };
}

const READ_MODES = new Set(["data", "envelope", "raw"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function prepareFilter(value: unknown, field: string, at: PrepareContext): PreparedFilter {
  const filter: PreparedFilter = { attributes: [], correlate: [] };
  if (!isObject(value) || !isObject(value.with) || Object.keys(value.with).length === 0) {
    at.problem(
      "an event filter needs `with: {type: …, source: …}` (one attribute at least)",
      field,
    );
    return filter;
  }
  for (const key of Object.keys(value)) {
    if (key !== "with" && key !== "correlate") {
      at.problem(`unknown event filter field "${key}" (use with, correlate)`, `${field}/${key}`);
    }
  }
  for (const [name, attribute] of Object.entries(value.with)) {
    if (typeof attribute === "string" && attribute.includes("${")) {
      const template = at.expression(attribute, `${field}/with/${name}`)!;
      filter.attributes.push({ name, matcher: { kind: "expression", template } });
      continue;
    }
    let pattern: RegExp | undefined;
    if (typeof attribute === "string") {
      try {
        pattern = new RegExp(`^(?:${attribute})$`);
      } catch {
        pattern = undefined; // not a regular expression: compared as text only
      }
    }
    filter.attributes.push({ name, matcher: { kind: "literal", value: attribute, pattern } });
  }
  if (value.correlate !== undefined) {
    if (!isObject(value.correlate)) {
      at.problem("must be a map of {name: {from, expect?}}", `${field}/correlate`);
    } else {
      for (const [name, correlation] of Object.entries(value.correlate)) {
        const where = `${field}/correlate/${name}`;
        const from = isObject(correlation)
          ? at.expression(correlation.from, `${where}/from`)
          : undefined;
        if (!from) {
          at.problem("needs `from`: an expression extracting a value from the event", where);
          continue;
        }
        const expect = isObject(correlation) && correlation.expect !== undefined
          ? at.template(correlation.expect)
          : undefined;
        filter.correlate.push({ name, from, expect });
      }
    }
  }
  return filter;
}

/** Compiles an event consumption strategy (`listen.to`, `schedule.on`, `until`). */
export function prepareStrategy(
  value: unknown,
  field: string,
  at: PrepareContext,
): PreparedStrategy {
  const strategy: PreparedStrategy = { mode: "any", filters: [] };
  if (!isObject(value)) {
    at.problem("must be {one: filter}, {any: [filters]} or {all: [filters]}", field);
    return strategy;
  }
  const modes = (["one", "any", "all"] as const).filter((mode) => value[mode] !== undefined);
  if (modes.length !== 1) {
    at.problem("needs exactly one of one, any or all", field);
    return strategy;
  }
  for (const key of Object.keys(value)) {
    if (!["one", "any", "all", "until"].includes(key)) {
      at.problem(`unknown field "${key}" (use one, any, all, until)`, `${field}/${key}`);
    }
  }
  strategy.mode = modes[0];
  const filters = value[strategy.mode];
  if (strategy.mode === "one") {
    strategy.filters = [prepareFilter(filters, `${field}/one`, at)];
  } else if (!Array.isArray(filters)) {
    at.problem("must be a list of event filters", `${field}/${strategy.mode}`);
  } else {
    if (strategy.mode === "all" && filters.length === 0) {
      at.problem("needs one event filter at least", `${field}/all`);
    }
    strategy.filters = filters.map((filter, i) =>
      prepareFilter(filter, `${field}/${strategy.mode}/${i}`, at)
    );
  }
  if (value.until !== undefined) {
    if (strategy.mode !== "any") at.problem("applies to `any` only", `${field}/until`);
    if (typeof value.until === "string") {
      strategy.untilExpression = at.expression(value.until, `${field}/until`);
    } else {
      strategy.untilEvents = prepareStrategy(value.until, `${field}/until`, at);
    }
  }
  return strategy;
}

/** Whether `subset`'s members are all in `value` (objects recursively, the rest equal). */
function contains(value: unknown, subset: unknown): boolean {
  if (isObject(subset)) {
    return isObject(value) && Object.entries(subset).every(([k, v]) => contains(value[k], v));
  }
  if (Array.isArray(subset)) {
    return Array.isArray(value) && value.length === subset.length &&
      subset.every((item, i) => contains(value[i], item));
  }
  return value === subset;
}

/** Tracks correlation values: the first extracted value becomes the expectation. */
export class Correlations {
  readonly #expected = new Map<string, unknown>();
  constructor(private readonly input: unknown, private readonly vars: Vars) {}

  /** Whether `event` passes `filter`; commits first-seen correlation values when it does. */
  matches(filter: PreparedFilter, event: CloudEvent): boolean {
    for (const { name, matcher } of filter.attributes) {
      const actual = event[name];
      if (matcher.kind === "expression") {
        if (!isTruthy(evaluate(matcher.template, actual ?? null, this.vars))) return false;
      } else if (typeof matcher.value === "string") {
        if (typeof actual !== "string") return false;
        if (actual !== matcher.value && !matcher.pattern?.test(actual)) return false;
      } else if (!contains(actual, matcher.value)) return false;
    }
    const seen: Array<[string, unknown]> = [];
    for (const { name, from, expect } of filter.correlate) {
      const value = evaluate(from, event, this.vars);
      const expected = expect
        ? evaluate(expect, this.input, this.vars)
        : this.#expected.has(name)
        ? this.#expected.get(name)
        : value;
      if (!contains(value, expected)) return false;
      seen.push([name, value]);
    }
    for (const [name, value] of seen) {
      if (!this.#expected.has(name)) this.#expected.set(name, value);
    }
    return true;
  }
}

/** One strategy's progress: which filters an event satisfies, and when it is complete. */
export class Consumption {
  readonly #satisfied: boolean[];
  constructor(
    readonly strategy: PreparedStrategy,
    private readonly correlations: Correlations,
  ) {
    this.#satisfied = strategy.filters.map(() => false);
  }

  /** Whether the event is consumed by this strategy. */
  offer(event: CloudEvent): boolean {
    const { mode, filters } = this.strategy;
    if (mode === "any" && filters.length === 0) return true;
    for (let i = 0; i < filters.length; i++) {
      if (mode === "all" && this.#satisfied[i]) continue;
      if (this.correlations.matches(filters[i], event)) {
        this.#satisfied[i] = true;
        return true;
      }
    }
    return false;
  }

  /** For `one` and `all`: every filter consumed an event. */
  get complete(): boolean {
    return this.#satisfied.every(Boolean);
  }
}

export const listenTask: TaskKind<PreparedListen> = {
  prepare(definition, at) {
    const listen = definition.listen;
    if (!isObject(listen)) {
      at.problem("needs `to: {one | any | all}`", "listen");
      return { to: { mode: "any", filters: [] }, read: "data" };
    }
    for (const key of Object.keys(listen)) {
      if (key !== "to" && key !== "read") {
        at.problem(`unknown listen field "${key}" (use to, read)`, `listen/${key}`);
      }
    }
    const read = listen.read ?? "data";
    if (typeof read !== "string" || !READ_MODES.has(read)) {
      at.problem("must be data, envelope or raw", "listen/read");
    }
    const prepared: PreparedListen = {
      to: prepareStrategy(listen.to, "listen/to", at),
      read: READ_MODES.has(read as string) ? read as PreparedListen["read"] : "data",
    };
    const foreach = definition.foreach;
    if (foreach !== undefined) {
      if (!isObject(foreach)) {
        at.problem("must be {item?, at?, do?, output?}", "foreach");
      } else {
        for (const key of Object.keys(foreach)) {
          if (!["item", "at", "do", "output"].includes(key)) {
            at.problem(
              `unknown foreach field "${key}" (use item, at, do, output)`,
              `foreach/${key}`,
            );
          }
        }
        const output = foreach.output;
        prepared.foreach = {
          item: at.variable(foreach.item, "foreach/item", "item"),
          at: at.variable(foreach.at, "foreach/at", "index"),
          body: foreach.do === undefined ? undefined : at.list(foreach.do, "foreach/do"),
          outputAs: isObject(output) ? at.expression(output.as, "foreach/output/as") : undefined,
        };
      }
    }
    return prepared;
  },

  async run(prepared, call) {
    const bus = eventBus(call.run.hooks.eventBus);
    const queue: CloudEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = bus.subscribe((event) => {
      queue.push(event);
      wake?.();
    });
    const signal = call.signal;
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const correlations = new Correlations(call.input, call.vars);
      const to = new Consumption(prepared.to, correlations);
      const until = prepared.to.untilEvents
        ? new Consumption(prepared.to.untilEvents, correlations)
        : undefined;
      const outputs: unknown[] = [];
      while (true) {
        while (queue.length === 0) {
          if (signal.aborted) throw signal.reason;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        if (signal.aborted) throw signal.reason;
        const event = queue.shift()!;
        if (until?.offer(event)) {
          await received(call, event, "until");
          if (until.complete || until.strategy.mode === "any") break;
          continue;
        }
        if (!to.offer(event)) continue;
        await received(call, event, "consumed");
        const item = prepared.read === "envelope" ? event : event.data ?? null;
        outputs.push(await iterate(prepared, call, item, outputs.length));
        if (prepared.to.mode !== "any") {
          if (to.complete) break;
        } else if (prepared.to.untilExpression) {
          const stop = evaluate(prepared.to.untilExpression, outputs, call.vars);
          if (isTruthy(stop)) break;
        } else if (!until) break;
      }
      return { output: outputs };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
    }
  },
};

async function received(call: TaskCall, event: CloudEvent, role: string): Promise<void> {
  await call.run.emit({
    type: "event.received",
    task: call.task.path,
    message: `${event.type} from ${event.source}${role === "until" ? " (until)" : ""}`,
    data: boundedData(event),
  });
}

/** The item's output: `foreach.do` run on it, then `foreach.output.as`. */
async function iterate(
  prepared: PreparedListen,
  call: TaskCall,
  item: unknown,
  index: number,
): Promise<unknown> {
  const foreach = prepared.foreach;
  if (!foreach) return item;
  const lexical = { ...call.lexical, [foreach.item]: Var.of(item), [foreach.at]: Var.of(index) };
  let output = item;
  if (foreach.body) {
    const result = await call.run.runList(foreach.body, item, lexical, call.signal);
    output = result.output;
  }
  if (foreach.outputAs) {
    output = evaluate(foreach.outputAs, output, {
      ...call.vars,
      [foreach.item]: lexical[foreach.item],
      [foreach.at]: lexical[foreach.at],
    });
  }
  return output;
}

/**
 * Compiles an event consumption strategy outside a workflow run (a workflow's `schedule.on`,
 * which the backend's scheduler matches): the same rules as `listen.to`.
 */
export function compileStrategy(
  value: unknown,
  path: string,
): { strategy: PreparedStrategy; problems: WorkflowProblem[]; needsJq: boolean } {
  const problems: WorkflowProblem[] = [];
  let needsJq = false;
  const compiled = (template: Template) => {
    needsJq ||= template.needsJq;
    return template;
  };
  const unused = (what: string) => () => {
    throw new Error(`${what} is not available in an event filter`);
  };
  const at: PrepareContext = {
    path,
    document: {} as PrepareContext["document"],
    problem: (message, field) => problems.push({ path: field ?? path, message }),
    list: unused("a task list"),
    template: (v) => compiled(compileTemplate(v)),
    expression: (v) => v === undefined ? undefined : compiled(compileExpression(v)),
    duration: unused("a duration"),
    directive: unused("a flow directive"),
    variable: unused("a variable"),
  };
  return { strategy: prepareStrategy(value, path, at), problems, needsJq };
}

const CRON_FIELDS = /^(@[a-z]+|\S+(\s+\S+){4,6})$/;

/**
 * Checks a workflow's `schedule` (run by the backend's scheduler, not by the engine): one of
 * `every`, `cron` or `after`, and/or `on` events. The cron's fields are counted here; croner
 * parses them when the daemon loads the schedule.
 */
export function checkSchedule(
  value: unknown,
  report: (path: string, message: string) => void,
): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    report("schedule", "must be an object with every, cron, after or on");
    return;
  }
  const timed = ["every", "cron", "after"].filter((key) => value[key] !== undefined);
  if (timed.length > 1) {
    report("schedule", `use one of every, cron and after, not ${timed.join(" and ")}`);
  }
  if (timed.length === 0 && value.on === undefined) {
    report("schedule", "needs every, cron, after or on");
  }
  for (const key of Object.keys(value)) {
    if (!["every", "cron", "after", "on"].includes(key)) {
      report(`schedule/${key}`, `unknown field "${key}" (use every, cron, after, on)`);
    }
  }
  for (const key of ["every", "after"]) {
    if (value[key] === undefined) continue;
    try {
      if (parseDuration(value[key]) <= 0) report(`schedule/${key}`, "must be longer than zero");
    } catch (error) {
      report(`schedule/${key}`, (error as Error).message);
    }
  }
  if (
    value.cron !== undefined &&
    (typeof value.cron !== "string" || !CRON_FIELDS.test(value.cron.trim()))
  ) {
    report(
      "schedule/cron",
      'must be a cron expression of 5 fields ("0 0 * * *"), 6 with seconds first, or @daily and the like',
    );
  }
  if (value.on !== undefined) {
    for (const problem of compileStrategy(value.on, "schedule/on").problems) {
      report(problem.path, problem.message);
    }
  }
}
