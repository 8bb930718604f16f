// Shared pieces of the engine tests: a document builder and hooks that record events.
import assert from "node:assert/strict";
import {
  type AgentCallRequest,
  type EngineEvent,
  type EngineHooks,
  type RunOptions,
  runWorkflow,
  type TaskList,
  type WorkflowDocument,
} from "../../src/engine/mod.ts";

export function workflow(tasks: TaskList, extra: Partial<WorkflowDocument> = {}): WorkflowDocument {
  return {
    document: { dsl: "1.0.0", namespace: "test", name: "engine-test", version: "0.1.0" },
    do: tasks,
    ...extra,
  };
}

export interface Recorder extends EngineHooks {
  events: EngineEvent[];
  agentCalls: Array<Omit<AgentCallRequest, "signal">>;
  /** "type task" lines, for compact assertions on the event sequence. */
  trace(): string[];
}

export function recorder(
  callAgent: (request: AgentCallRequest) => Promise<string> = (r) =>
    Promise.resolve(`echo: ${r.message}`),
  fetchImpl?: typeof fetch,
): Recorder {
  const events: EngineEvent[] = [];
  const agentCalls: Recorder["agentCalls"] = [];
  return {
    events,
    agentCalls,
    emit: (event) => {
      events.push(event);
    },
    callAgent: (request) => {
      const { signal: _signal, ...rest } = request;
      agentCalls.push(rest);
      return callAgent(request);
    },
    fetch: fetchImpl,
    trace: () => events.map((e) => `${e.type} ${e.task}`),
  };
}

/** Runs a document with a fresh recorder and a never-aborted signal. */
export async function run(
  doc: WorkflowDocument,
  input: unknown = {},
  options: Partial<RunOptions> & { hooks?: Recorder } = {},
): Promise<{ output: unknown; hooks: Recorder }> {
  const hooks = options.hooks ?? recorder();
  const output = await runWorkflow(doc, input, hooks, {
    signal: new AbortController().signal,
    ...options,
  });
  return { output, hooks };
}

/** Awaits a rejection and returns the error (fails when the promise resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a rejection, but the promise resolved");
}
