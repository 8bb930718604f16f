// `emit`: publishes a CloudEvent on the event bus the caller gives (EngineHooks.events). The
// event's properties are templates; `id` and `time` default to a fresh UUID and now. The
// task's output is the event; an event.emitted event records it.
import { boundedData } from "../events.ts";
import { WorkflowError, workflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import { raceAbort } from "../signals.ts";
import type { TaskKind } from "../task.ts";
import type { CloudEvent, EventHooks } from "../types.ts";

/** The bus, or the error a task that needs one fails with. */
export function eventBus(events: EventHooks | undefined): EventHooks {
  if (events) return events;
  throw workflowError("runtime", "this runner has no event bus: emit and listen cannot run here", {
    title: "No event bus",
  });
}

export const emitTask: TaskKind<Template> = {
  prepare(definition, at) {
    const emit = definition.emit as { event?: { with?: unknown } } | null;
    const properties = emit?.event?.with;
    if (properties === null || typeof properties !== "object" || Array.isArray(properties)) {
      at.problem("needs `event: {with: {source, type, data?…}}`", "emit/event/with");
      return at.template({});
    }
    for (const field of Object.keys(emit ?? {})) {
      if (field !== "event") {
        at.problem(`unknown emit field "${field}" (use event)`, `emit/${field}`);
      }
    }
    const props = properties as Record<string, unknown>;
    for (const required of ["source", "type"]) {
      if (props[required] === undefined || props[required] === "") {
        at.problem(`the event needs a ${required}`, `emit/event/with/${required}`);
      }
    }
    return at.template(props);
  },

  async run(template, call) {
    const bus = eventBus(call.run.hooks.eventBus);
    const props = evaluate(template, call.input, call.vars) as Record<string, unknown>;
    for (const field of ["source", "type", "id", "time", "subject"]) {
      const value = props[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== "string" || value === "") {
        throw workflowError(
          "validation",
          `the event's ${field} must be a non-empty string, got ${JSON.stringify(value)}`,
          { title: "Invalid event" },
        );
      }
    }
    if (!props.source || !props.type) {
      throw workflowError("validation", "the event needs a source and a type", {
        title: "Invalid event",
      });
    }
    const event: CloudEvent = {
      ...props,
      specversion: "1.0",
      id: (props.id as string | undefined) ?? crypto.randomUUID(),
      time: (props.time as string | undefined) ?? new Date().toISOString(),
      source: props.source as string,
      type: props.type as string,
      datacontenttype: (props.datacontenttype as string | undefined) ?? "application/json",
    };
    if (event.data === undefined) delete event.data;
    try {
      await raceAbort(Promise.resolve(bus.publish(event)), call.signal);
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason;
      if (error instanceof WorkflowError) throw error;
      throw workflowError("communication", `publishing the event failed: ${error}`, {
        title: "Emit failed",
        cause: error,
      });
    }
    await call.run.emit({
      type: "event.emitted",
      task: call.task.path,
      message: `${event.type} from ${event.source}`,
      data: boundedData(event),
    });
    return { output: event };
  },
};
