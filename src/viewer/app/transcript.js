// An agent's conversation from a run's events: the user's message, the agent's streamed text
// (one item per run of deltas) and each tool call with its arguments, result and time.
// Sub-agents' events (task "<task>/<sub-agent>") are shown in the same order.

const AGENT_EVENTS = new Set([
  "agent.message",
  "tool.call.started",
  "tool.call.completed",
  "tool.call.failed",
]);

/** The agent events of one task (its own and its sub-agents'), or of a whole agent run. */
export function agentEventsOf(events, task) {
  return events.filter((e) =>
    AGENT_EVENTS.has(e.type) &&
    (task === undefined || e.task === task || e.task.startsWith(`${task}/`))
  );
}

export function buildTranscript(events, message) {
  const items = [];
  if (message) items.push({ kind: "user", text: String(message) });
  const calls = new Map();
  let text = null;
  for (const e of agentEventsOf(events)) {
    if (e.type === "agent.message") {
      if (e.data?.delta) {
        if (!text || text.task !== e.task) {
          text = { kind: "agent", agent: e.data?.agent ?? "", task: e.task, text: "" };
          items.push(text);
        }
        text.text += e.message;
      } else {
        // The whole reply, sent after its deltas: shown only when no delta carried it.
        const streamed = items.some((i) => i.kind === "agent" && i.task === e.task && i.text);
        if (!streamed && e.message) {
          items.push({ kind: "agent", agent: e.data?.agent ?? "", task: e.task, text: e.message });
        }
        text = null;
      }
      continue;
    }
    text = null;
    const data = e.data ?? {};
    const key = data.callId ?? `${e.task}#${e.seq}`;
    let call = calls.get(key);
    if (!call) {
      call = {
        kind: "tool",
        name: data.name ?? data.server ?? "tool",
        server: data.server,
        subAgent: data.subAgent === true,
        arguments: data.arguments,
        status: "running",
        task: e.task,
        startedAt: e.time,
      };
      calls.set(key, call);
      items.push(call);
    }
    if (e.type === "tool.call.completed") {
      Object.assign(call, { status: "completed", result: data.result, ms: data.ms });
      call.truncated = data.truncated === true;
    } else if (e.type === "tool.call.failed") {
      Object.assign(call, { status: "failed", error: data.error ?? e.message, ms: data.ms });
    }
  }
  return items;
}
