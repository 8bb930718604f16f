// `call: agent` (a Stigmer extension): sends a message to a named agent through the
// caller's hook. The output is {message: reply}; the reply is also an agent.message event.
import { WorkflowError, workflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import { raceAbort } from "../signals.ts";
import { currentJournalKey } from "../journal.ts";

/** The journal key, only in a durable run (a run without a journal has none). */
function journalKeyOf(): { journalKey?: string } {
  const key = currentJournalKey();
  return key === undefined ? {} : { journalKey: key };
}
import type { TaskKind } from "../task.ts";

export const agentTask: TaskKind<Template> = {
  prepare(definition, at) {
    const args = definition.with as Record<string, unknown> | undefined;
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      at.problem("needs `with: {agent, message}`", "with");
      return at.template(null);
    }
    for (const field of Object.keys(args)) {
      if (field !== "agent" && field !== "message") {
        at.problem(
          `unknown agent call argument "${field}" (use agent and message)`,
          `with/${field}`,
        );
      }
    }
    if (typeof args.agent !== "string" || !args.agent) {
      at.problem("needs the agent's name", "with/agent");
    }
    if (args.message === undefined) {
      at.problem("needs a message (text or ${ expression })", "with/message");
    }
    return at.template({ agent: args.agent, message: args.message });
  },

  async run(template, call) {
    const { agent, message } = evaluate(template, call.input, call.vars) as {
      agent: unknown;
      message: unknown;
    };
    if (typeof agent !== "string" || !agent) {
      throw workflowError(
        "validation",
        `with.agent must give an agent name, got ${JSON.stringify(agent)}`,
      );
    }
    const text = typeof message === "string" ? message : JSON.stringify(message) ?? "";
    const signal = call.signal;
    let reply: unknown;
    try {
      reply = await raceAbort(
        call.run.hooks.callAgent({
          agent,
          message: text,
          input: call.input,
          signal,
          task: call.task.path,
          ...journalKeyOf(),
        }),
        signal,
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof WorkflowError) throw error;
      throw workflowError(
        "communication",
        `agent "${agent}" failed: ${(error as Error)?.message ?? error}`,
        {
          title: "Agent call failed",
          cause: error,
        },
      );
    }
    const replyText = typeof reply === "string" ? reply : JSON.stringify(reply) ?? "";
    await call.run.emit({
      type: "agent.message",
      task: call.task.path,
      message: replyText,
      data: { agent },
    });
    return { output: { message: replyText } };
  },
};
