// Durable agent runs (issue 13): each completed model step (its messages) and each
// completed tool call (its result, by call id) is written to the execution's checkpoints
// before the loop goes on. A resumed run rebuilds the conversation from them: completed
// tool calls are not made again (the model reads their recorded results), the step that
// was in flight runs again.
import type { ModelMessage } from "ai";
import type { ResourceStore } from "../store/store.ts";

interface StepEntry {
  messages: ModelMessage[];
}

/** The session an agent run continues, and how many of its messages the run saw first. */
export interface SessionEntry {
  name: string;
  history: number;
}

interface ToolEntry {
  name: string;
  input: unknown;
  output: string;
}

export class AgentJournal {
  #steps: number;

  private constructor(
    private readonly store: ResourceStore,
    private readonly executionId: string,
    private readonly prefix: string,
    /** The messages to continue from: the recorded steps, then tool calls of the step in flight. */
    readonly replay: ModelMessage[],
    steps: number,
    /** Tool results recorded in the step that was in flight, given to the model as they are. */
    readonly replayedTools: number,
    /** A resumed run: the session it continues, as its first run recorded it. */
    readonly session?: SessionEntry,
  ) {
    this.#steps = steps;
  }

  /** A journal for the agent run at `task` of this execution; `resume` loads what it recorded. */
  static async open(
    store: ResourceStore,
    executionId: string,
    task: string,
    resume: boolean,
  ): Promise<AgentJournal> {
    const prefix = `agent/${task}/`;
    if (!resume) return new AgentJournal(store, executionId, prefix, [], 0, 0);
    const steps: [number, StepEntry][] = [];
    const tools: [string, ToolEntry][] = [];
    let session: SessionEntry | undefined;
    for (const { key, entry } of await store.listCheckpoints(executionId)) {
      if (!key.startsWith(prefix)) continue;
      if (key === `${prefix}session`) session = entry as SessionEntry;
      const rest = key.slice(prefix.length);
      const kind = rest.split("/")[0];
      const id = rest.slice(kind.length + 1);
      if (kind === "step") steps.push([Number(id), entry as StepEntry]);
      if (kind === "tool") tools.push([id, entry as ToolEntry]);
    }
    steps.sort((a, b) => a[0] - b[0]);
    const replay = steps.flatMap(([, step]) => step.messages);
    const answered = new Set<string>();
    for (const message of replay) {
      if (message.role !== "tool") continue;
      for (const part of message.content) {
        if (part.type === "tool-result") answered.add(part.toolCallId);
      }
    }
    // Calls of the step in flight that completed: an assistant turn that made just
    // these, and their results; the model goes on from there.
    const pending = tools.filter(([callId]) => !answered.has(callId));
    if (pending.length > 0) {
      replay.push(
        {
          role: "assistant",
          content: pending.map(([toolCallId, t]) => ({
            type: "tool-call" as const,
            toolCallId,
            toolName: t.name,
            input: t.input,
          })),
        },
        {
          role: "tool",
          content: pending.map(([toolCallId, t]) => ({
            type: "tool-result" as const,
            toolCallId,
            toolName: t.name,
            output: { type: "text" as const, value: t.output },
          })),
        },
      );
    }
    return new AgentJournal(
      store,
      executionId,
      prefix,
      replay,
      steps.length,
      pending.length,
      session,
    );
  }

  /**
   * Records the session a new run continues (the execution itself does not keep it), so a
   * resumed run saves its conversation back to the same session, from the same history.
   */
  recordSession(session: SessionEntry): Promise<void> {
    return this.store.putCheckpoint(this.executionId, {
      key: `${this.prefix}session`,
      entry: session,
    });
  }

  /** Steps completed so far (recorded before this process took the run, and since). */
  get steps(): number {
    return this.#steps;
  }

  /** Where a resumed run goes on, for `execution.resumed`. */
  get where(): string {
    const tools = this.replayedTools > 0 ? ` (${this.replayedTools} tool results replayed)` : "";
    return `step ${this.#steps + 1}${tools}`;
  }

  recordStep(messages: ModelMessage[]): Promise<void> {
    this.#steps++;
    const entry: StepEntry = { messages };
    return this.store.putCheckpoint(this.executionId, {
      key: `${this.prefix}step/${this.#steps}`,
      entry,
    });
  }

  recordTool(callId: string, name: string, input: unknown, output: string): Promise<void> {
    const entry: ToolEntry = { name, input, output };
    return this.store.putCheckpoint(this.executionId, {
      key: `${this.prefix}tool/${callId}`,
      entry,
    });
  }
}
