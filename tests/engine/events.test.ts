// emit and listen in the engine, against an in-memory bus: the reference examples unchanged,
// the consumption strategies, errors with their standard type/status/instance, cancellation
// and timeouts reaching a waiting listen, and the events both tasks record.
import assert from "node:assert/strict";
import { assertEquals } from "../helpers/assert.ts";
import { parse } from "yaml";
import {
  type CloudEvent,
  ERROR_TYPES,
  type EventHooks,
  runWorkflow,
  WorkflowCancelledError,
  WorkflowDefinitionError,
  type WorkflowDocument,
  WorkflowError,
} from "../../src/engine/mod.ts";
import { type Recorder, recorder, rejection, workflow } from "./helpers.ts";

const EXAMPLES = new URL(
  "../../../shared/reference/serverless-workflow/examples/",
  import.meta.url,
);

function example(name: string): WorkflowDocument {
  return parse(Deno.readTextFileSync(new URL(name, EXAMPLES))) as WorkflowDocument;
}

/** A bus that records what is published and delivers it to subscribers, like the daemon's. */
class MemoryBus implements EventHooks {
  readonly published: CloudEvent[] = [];
  readonly #subscribers = new Set<(event: CloudEvent) => void>();
  #subscribed = Promise.withResolvers<void>();

  publish(event: CloudEvent): void {
    this.published.push(event);
    for (const subscriber of [...this.#subscribers]) subscriber(event);
  }
  subscribe(onEvent: (event: CloudEvent) => void): () => void {
    this.#subscribers.add(onEvent);
    this.#subscribed.resolve();
    return () => this.#subscribers.delete(onEvent);
  }
  get subscribers(): number {
    return this.#subscribers.size;
  }
  /** Resolves once a listen has subscribed. */
  async waitForListener(): Promise<void> {
    await this.#subscribed.promise;
    this.#subscribed = Promise.withResolvers<void>();
  }
}

function start(doc: WorkflowDocument, input: unknown = {}, signal = new AbortController().signal) {
  const bus = new MemoryBus();
  const hooks: Recorder = Object.assign(recorder(), { eventBus: bus });
  const running = runWorkflow(doc, input, hooks, { signal });
  return { bus, hooks, running };
}

function event(type: string, data?: unknown, extra: Partial<CloudEvent> = {}): CloudEvent {
  return {
    specversion: "1.0",
    id: crypto.randomUUID(),
    source: "test",
    type,
    ...(data === undefined ? {} : { data }),
    ...extra,
  };
}

Deno.test("emit.yaml: the output is the CloudEvent, published once, with an event.emitted", async () => {
  const { bus, hooks, running } = start(example("emit.yaml"));
  const output = await running as CloudEvent;
  assert.equal(output.specversion, "1.0");
  assert.equal(output.source, "https://petstore.com");
  assert.equal(output.type, "com.petstore.order.placed.v1");
  assert.deepEqual(output.data, {
    client: { firstName: "Cruella", lastName: "de Vil" },
    items: [{ breed: "dalmatian", quantity: 101 }],
  });
  assert.match(output.id, /^[0-9a-f-]{36}$/);
  assert.ok(!Number.isNaN(Date.parse(output.time!)));
  assert.deepEqual(bus.published, [output]);
  assert.deepEqual(hooks.trace(), [
    "task.started do/0/emitEvent",
    "event.emitted do/0/emitEvent",
    "task.completed do/0/emitEvent",
  ]);
  assert.deepEqual(hooks.events[1].data, output);
  assert.equal(hooks.events[1].message, "com.petstore.order.placed.v1 from https://petstore.com");
});

Deno.test("emit: expressions in the event are evaluated against the task input", async () => {
  const { running } = start(
    workflow([{
      tell: {
        emit: {
          event: {
            with: {
              id: "${ .orderId }",
              source: "urn:shop",
              type: "order.${ .kind }",
              subject: "${ .orderId }",
              data: { total: "${ .qty * 2 }" },
            },
          },
        },
      },
    }]),
    { orderId: "o-7", kind: "placed", qty: 21 },
  );
  const output = await running as CloudEvent;
  assert.equal(output.id, "o-7");
  assert.equal(output.type, "order.placed");
  assert.equal(output.subject, "o-7");
  assert.deepEqual(output.data, { total: 42 });
});

Deno.test("emit: a type that evaluates to nothing fails with a validation error at the task", async () => {
  const { running, hooks } = start(
    workflow([{ tell: { emit: { event: { with: { source: "s", type: "${ .missing }" } } } } }]),
  );
  const error = await rejection(running);
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.validation);
  assert.equal(error.status, 400);
  assert.equal(error.instance, "/do/0/tell");
  assert.deepEqual(hooks.trace(), ["task.started do/0/tell", "task.failed do/0/tell"]);
});

Deno.test("emit and listen without a bus fail with a runtime error", async () => {
  const error = await rejection(
    runWorkflow(example("emit.yaml"), {}, recorder(), { signal: new AbortController().signal }),
  );
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.runtime);
  assert.equal(error.status, 500);
  assert.equal(error.instance, "/do/0/emitEvent");
});

Deno.test("emit and listen definitions are checked before the run", async () => {
  const error = await rejection(
    runWorkflow(
      workflow([
        { a: { emit: { event: { with: { type: "t" } } } } },
        { b: { listen: { to: { one: { with: {} } } } } },
        { c: { listen: { to: { some: [] } } } },
        { d: { listen: { to: { any: [] }, read: "bytes" } } },
      ]),
      {},
      recorder(),
      { signal: new AbortController().signal },
    ),
  );
  assert.ok(error instanceof WorkflowDefinitionError);
  const paths = error.problems.map((p) => p.path);
  assert.deepEqual(paths, [
    "do/0/a/emit/event/with/source",
    "do/1/b/listen/to/one",
    "do/2/c/listen/to",
    "do/3/d/listen/read",
  ]);
});

Deno.test("listen-to-one.yaml: waits for the event's type, ignores others, outputs its data", async () => {
  const doc = example("listen-to-one.yaml");
  doc.do = doc.do.slice(0, 1); // the next task calls an outside host
  const { bus, hooks, running } = start(doc);
  await bus.waitForListener();
  bus.publish(event("com.other", { no: 1 }));
  bus.publish(event("com.virtual-wf-powered-race.events.race.started.v1", { lap: 1 }));
  assert.deepEqual(await running, [{ lap: 1 }]);
  assert.equal(bus.subscribers, 0, "the subscription ends with the task");
  assert.deepEqual(hooks.trace(), [
    "task.started do/0/waitForStartup",
    "event.received do/0/waitForStartup",
    "task.completed do/0/waitForStartup",
  ]);
  assert.equal(
    (hooks.events[1].data as CloudEvent).type,
    "com.virtual-wf-powered-race.events.race.started.v1",
  );
});

Deno.test("listen-to-any.yaml: any: [] takes the first event of any kind", async () => {
  const { bus, running } = start(example("listen-to-any.yaml"));
  await bus.waitForListener();
  bus.publish(event("anything", "hello"));
  assert.deepEqual(await running, ["hello"]);
});

Deno.test("listen-to-any-filter.yaml: runtime expressions filter on the event's data", async () => {
  const { bus, running } = start(example("listen-to-any-filter.yaml"));
  await bus.waitForListener();
  bus.publish(event("com.fake-hospital.vitals.measurements.temperature", { temperature: 37 }));
  bus.publish(event("com.fake-hospital.vitals.measurements.bpm", { bpm: 80 }));
  bus.publish(event("com.fake-hospital.vitals.measurements.bpm", { bpm: 120 }));
  assert.deepEqual(await running, [{ bpm: 120 }]);
});

Deno.test("listen-to-all.yaml: waits until every filter consumed an event, in arrival order", async () => {
  const { bus, hooks, running } = start(example("listen-to-all.yaml"));
  await bus.waitForListener();
  bus.publish(event("com.fake-hospital.vitals.measurements.bpm", { bpm: 130 }));
  bus.publish(event("com.fake-hospital.vitals.measurements.bpm", { bpm: 40 })); // already have one
  bus.publish(event("com.fake-hospital.vitals.measurements.temperature", { temperature: 36 }));
  bus.publish(event("com.fake-hospital.vitals.measurements.temperature", { temperature: 39 }));
  assert.deepEqual(await running, [{ bpm: 130 }, { temperature: 39 }]);
  assert.equal(hooks.events.filter((e) => e.type === "event.received").length, 2);
});

Deno.test("listen-to-any-until-condition.yaml: until is an expression over what was consumed", async () => {
  const { bus, running } = start(example("listen-to-any-until-condition.yaml"));
  await bus.waitForListener();
  for (let i = 1; i <= 5; i++) bus.publish(event("tick", i));
  assert.deepEqual(await running, [1, 2, 3, 4]); // ( . | length ) > 3
});

Deno.test("listen-to-any-until-consumed.yaml: the until event stops it and is not kept", async () => {
  const { bus, hooks, running } = start(example("listen-to-any-until-consumed.yaml"));
  await bus.waitForListener();
  bus.publish(event("com.fake-hospital.vitals.measurements.temperature", { temperature: 39 }));
  bus.publish(event("com.fake-hospital.vitals.measurements.bpm", { bpm: 70 }));
  bus.publish(event("com.fake-hospital.vitals.measurements.bpm", { bpm: 50 }));
  bus.publish(event("com.fake-hospital.patient.checked-out", { room: 3 }));
  assert.deepEqual(await running, [{ temperature: 39 }, { bpm: 50 }]);
  assert.match(hooks.events.at(-2)!.message, /checked-out from test \(until\)/);
});

Deno.test("listen: foreach runs tasks per event with $item/$index and shapes each output", async () => {
  const { bus, running } = start(workflow([{
    gather: {
      listen: { to: { any: [{ with: { type: "n" } }], until: "length == 3" }, read: "envelope" },
      foreach: {
        item: "event",
        at: "i",
        do: [{ double: { set: { v: "${ $event.data * 2 }", at: "${ $i }" } } }],
        output: { as: ".v + .at" },
      },
    },
  }]));
  await bus.waitForListener();
  for (const n of [10, 20, 30]) bus.publish(event("n", n));
  assert.deepEqual(await running, [20, 41, 62]);
});

Deno.test("listen: correlate keeps events whose extracted value matches the first", async () => {
  const { bus, running } = start(workflow([{
    pair: {
      listen: {
        to: {
          all: [
            { with: { type: "a" }, correlate: { order: { from: ".data.order" } } },
            { with: { type: "b" }, correlate: { order: { from: ".data.order" } } },
          ],
        },
      },
    },
  }]));
  await bus.waitForListener();
  bus.publish(event("a", { order: 1 }));
  bus.publish(event("b", { order: 2 })); // another order: not this one
  bus.publish(event("b", { order: 1 }));
  assert.deepEqual(await running, [{ order: 1 }, { order: 1 }]);
});

Deno.test("listen: correlate with expect compares to the task input", async () => {
  const { bus, running } = start(
    workflow([{
      mine: {
        listen: {
          to: {
            one: {
              with: { type: "paid" },
              correlate: { order: { from: ".subject", expect: "${ .orderId }" } },
            },
          },
        },
      },
    }]),
    { orderId: "o-2" },
  );
  await bus.waitForListener();
  bus.publish(event("paid", 1, { subject: "o-1" }));
  bus.publish(event("paid", 2, { subject: "o-2" }));
  assert.deepEqual(await running, [2]);
});

Deno.test("listen: cancelling the run reaches a waiting listen at once and unsubscribes", async () => {
  const controller = new AbortController();
  const { bus, hooks, running } = start(example("listen-to-any.yaml"), {}, controller.signal);
  await bus.waitForListener();
  const abortedAt = performance.now();
  controller.abort();
  const error = await rejection(running);
  const latency = performance.now() - abortedAt;
  assert.ok(error instanceof WorkflowCancelledError);
  assert.ok(latency < 100, `rejected ${latency.toFixed(1)} ms after the abort`);
  assert.equal(bus.subscribers, 0);
  assert.deepEqual(hooks.trace(), ["task.started do/0/callDoctor", "task.failed do/0/callDoctor"]);
  assert.equal(hooks.events[1].message, "cancelled");
});

Deno.test("listen: a task timeout ends the wait with a timeout error at the task", async () => {
  const { bus, running } = start(workflow([{
    waitForIt: {
      listen: { to: { one: { with: { type: "never" } } } },
      timeout: { after: "PT0.05S" },
    },
  }]));
  const error = await rejection(running);
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.timeout);
  assert.equal(error.status, 408);
  assert.equal(error.instance, "/do/0/waitForIt");
  assert.equal(bus.subscribers, 0);
});

Deno.test("emit then listen in two runs on one bus: the emitted event wakes the listener", async () => {
  const bus = new MemoryBus();
  const signal = new AbortController().signal;
  const listening = runWorkflow(
    workflow([{ wait: { listen: { to: { one: { with: { type: "ping" } } } } } }]),
    {},
    Object.assign(recorder(), { eventBus: bus }),
    { signal },
  );
  await bus.waitForListener();
  await runWorkflow(
    workflow([{ send: { emit: { event: { with: { source: "me", type: "ping", data: 7 } } } } }]),
    {},
    Object.assign(recorder(), { eventBus: bus }),
    { signal },
  );
  assert.deepEqual(await listening, [7]);
});

Deno.test("schedule is checked with the workflow: one timing, durations, cron fields, on filters", async () => {
  const problems = async (schedule: unknown) => {
    const doc = workflow([{ a: { set: { x: 1 } } }], { schedule });
    try {
      await runWorkflow(doc, {}, recorder(), { signal: new AbortController().signal });
    } catch (error) {
      if (error instanceof WorkflowDefinitionError) return error.problems;
      if (error instanceof WorkflowCancelledError) return [];
      throw error;
    }
    return [];
  };
  for (
    const ok of [{ every: "PT1S" }, { cron: "0 0 * * *" }, { cron: "*/2 * * * * *" }, {
      cron: "@daily",
    }, {
      after: { minutes: 5 },
    }, example("schedule-event-driven.yaml").schedule]
  ) {
    assertEquals(await problems(ok), [], JSON.stringify(ok));
  }
  assertEquals(await problems({ every: "PT1S", cron: "* * * * *" }), [
    { path: "schedule", message: "use one of every, cron and after, not every and cron" },
  ]);
  assertEquals((await problems({ cron: "every day" })).map((p) => p.path), ["schedule/cron"]);
  assertEquals((await problems({ every: "soon" })).map((p) => p.path), ["schedule/every"]);
  assertEquals((await problems({})).map((p) => p.path), ["schedule"]);
  assertEquals((await problems({ on: { one: {} } })).map((p) => p.path), ["schedule/on/one"]);
});

Deno.test("listen-to-any-forever-foreach.yaml: posts each event until cancelled", async () => {
  const posted: Array<{ url: string; body: unknown }> = [];
  const fakeFetch: typeof fetch = (input, init) => {
    posted.push({ url: String(input), body: JSON.parse(String(init?.body)) });
    return Promise.resolve(
      new Response("{}", { headers: { "content-type": "application/json" } }),
    );
  };
  const bus = new MemoryBus();
  const controller = new AbortController();
  const hooks = Object.assign(recorder(undefined, fakeFetch), { eventBus: bus });
  const running = runWorkflow(example("listen-to-any-forever-foreach.yaml"), {}, hooks, {
    signal: controller.signal,
  });
  await bus.waitForListener();
  bus.publish(event("gossip", { who: "a" }));
  bus.publish(event("rumour", { who: "b" }));
  while (posted.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  assert.ok(await rejection(running) instanceof WorkflowCancelledError);
  assert.deepEqual(posted.map((p) => p.body), [{ event: { who: "a" } }, { event: { who: "b" } }]);
  assert.match(posted[0].url, /^https:\/\/fake-chat-api\.com\/room\//);
  assert.equal(bus.subscribers, 0);
});

Deno.test("listen-to-one.yaml unchanged: the event, then the next task's call", async () => {
  const calls: string[] = [];
  const fakeFetch: typeof fetch = (input) => {
    calls.push(String(input));
    return Promise.resolve(
      new Response('{"started":true}', { headers: { "content-type": "application/json" } }),
    );
  };
  const bus = new MemoryBus();
  const hooks = Object.assign(recorder(undefined, fakeFetch), { eventBus: bus });
  const running = runWorkflow(example("listen-to-one.yaml"), {}, hooks, {
    signal: new AbortController().signal,
  });
  await bus.waitForListener();
  bus.publish(event("com.virtual-wf-powered-race.events.race.started.v1", { carId: 7 }));
  assert.deepEqual(await running, { started: true });
  assert.equal(calls.length, 1);
  assert.match(calls[0], /^https:\/\/virtual-wf-powered-race\.com\/api\/v4\/cars\//);
});

Deno.test("listen: a filter expression that fails is an expression error at the task", async () => {
  const { bus, hooks, running } = start(workflow([{
    check: { listen: { to: { one: { with: { type: "n", data: "${ .count | tonumber > 2 }" } } } } },
  }]));
  await bus.waitForListener();
  bus.publish(event("n", { count: "many" }));
  const error = await rejection(running);
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.expression);
  assert.equal(error.status, 400);
  assert.equal(error.instance, "/do/0/check");
  assert.equal(bus.subscribers, 0);
  assert.deepEqual(hooks.trace(), ["task.started do/0/check", "task.failed do/0/check"]);
});
