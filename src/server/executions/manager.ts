// Runs executions inside the serving process: starts them, records every
// event in the store, lets watchers follow, cancels, and on shutdown marks
// whatever is still running INTERRUPTED (never left RUNNING forever). Runs are durable:
// each task's outcome is checkpointed (src/executions), and resumeUnfinished() takes up
// the runs a dead process left RUNNING.
import { lazyImport } from "../../lazy_import.ts";
import { formatBytes, MAX_EVENT_DATA_BYTES, utf8Length } from "../../model/limits.ts";
import type { ExecutionUpdate, ResourceStore } from "../../store/store.ts";
import type { Execution, ExecutionEvent, ExecutionKind } from "../../model/execution.ts";
import { TERMINAL_PHASES } from "../../model/execution.ts";
import type { Resource } from "../../model/resource.ts";
import { idPrefixOf } from "../../model/ids.ts";
// The engine loads with the first workflow run, not with the daemon (its idle memory).
import type { WorkflowDocument, WorkflowRef } from "../../engine/mod.ts";
import { WorkflowCancelledError } from "../../engine/errors.ts";
import { currentLlm, type LlmSource } from "../../model/llm.ts";
import type { McpProcessRecord } from "../../mcp/process_record.ts";
import { Redactor } from "../../secrets/vault.ts";
import { workflowSecrets } from "../../engine/secrets.ts";
import { type SessionKeeper, sessionNameProblem } from "../../agents/sessions.ts";

/** What agent runs use besides the store and the LLM. */
export interface AgentParts {
  /** Where the stdio MCP servers this process starts are recorded (local daemon). */
  mcpRecord?: McpProcessRecord;
  secrets?: SecretSource;
  sessions?: SessionKeeper;
  /** False on a shared server not started with --allow-local-processes (SPEC §13). */
  allowLocalProcesses?: boolean;
  /** One tool call's limit (default DEFAULT_TOOL_TIMEOUT_MS in src/agents/loop.ts). */
  toolTimeoutMs?: number;
}

/** What an ExecutionManager works with. */
export interface ExecutionManagerOptions {
  store: ResourceStore;
  llm: LlmSource;
  log: { error(message: string): void };
  agents?: AgentParts;
  /** Default: a bus of its own. */
  bus?: EventBus;
  /** run: shell|script|container: allowed in the local daemon (the default); a shared server says. */
  localProcesses?: { allowed: boolean; refusal?: string };
  /** The serving process's instance id: execution.started/resumed say which process runs it. */
  runner?: string;
}

/** Where runs get secret values (SPEC §11): the local daemon's vault. */
export interface SecretSource {
  get(org: string, name: string): Promise<string>;
  all(org: string): Promise<Record<string, string>>;
  /** Encrypts what holds secret values before it is stored (a run's checkpoints). */
  seal?(context: string, text: string): Promise<{ iv: string; data: string }>;
  open?(context: string, sealed: { iv: string; data: string }): Promise<string>;
}
import { guardedFetch } from "./net_guard.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { EventBus } from "./event_bus.ts";
import { AgentJournal } from "../../agents/checkpoints.ts";
import { sealerFor, StoreJournal } from "../../executions/checkpoints.ts";
import type { Distribution, RunJob } from "../../executions/distribution.ts";

type Listener = (event: ExecutionEvent) => void;

export const LOCAL_PROCESSES_REFUSED = (what: string) =>
  `this shared server does not start local processes, so it refuses the stdio MCP server of ${what}; ` +
  "use an http MCP server, or start the server with --allow-local-processes";

/** A `call: mcp` without a timeout of its own (the task's `timeout` still applies). */
const MCP_CALL_TIMEOUT_MS = 300_000;

interface Running {
  org: string;
  controller: AbortController;
  done: Promise<void>;
}

export interface StartRequest {
  org: string;
  target: string;
  targetKind: "" | "Workflow" | "Agent";
  input: Record<string, unknown>;
  message: string;
  /** An agent run: the session it continues (created when new). */
  session?: string;
}

const TERMINAL_EVENTS = new Set([
  "execution.completed",
  "execution.failed",
  "execution.cancelled",
  "execution.interrupted",
]);

/**
 * Event data within MAX_EVENT_DATA_BYTES: larger data (a task's or the
 * workflow's output) is not kept in the event — a note says how large it was.
 */
function boundedEventData(data: unknown): unknown {
  if (data === undefined || data === null) return data;
  const bytes = utf8Length(JSON.stringify(data));
  if (bytes <= MAX_EVENT_DATA_BYTES) return data;
  return {
    truncated: true,
    bytes,
    note: `event data is ${formatBytes(bytes)}; events keep at most ${
      formatBytes(MAX_EVENT_DATA_BYTES)
    }`,
  };
}

export class ExecutionManager {
  readonly #running = new Map<string, Running>();
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Shared servers on PostgreSQL: runs go through the queue, to whichever server is free. */
  #distribution: Distribution | undefined;
  /** Watches of runs on other servers, woken by the database's event notifications. */
  readonly #remoteWatchers = new Map<string, Set<() => void>>();
  #notifications: Promise<unknown> | undefined;
  /** Runs this process stopped without ending them, for another server to resume. */
  readonly #handedOver = new Set<string>();

  private readonly store: ResourceStore;
  private readonly llm: LlmSource;
  private readonly log: { error(message: string): void };
  private readonly agents: AgentParts;
  readonly bus: EventBus;
  private readonly localProcesses: { allowed: boolean; refusal?: string };
  private readonly runner: string;

  constructor(options: ExecutionManagerOptions) {
    this.store = options.store;
    this.llm = options.llm;
    this.log = options.log;
    this.agents = options.agents ?? {};
    this.bus = options.bus ?? new EventBus(options.log);
    this.localProcesses = options.localProcesses ?? { allowed: true };
    this.runner = options.runner ?? "";
  }

  /** A workflow of `org` whose document has this namespace, name and version ("latest": any). */
  async #findWorkflow(org: string, ref: WorkflowRef): Promise<WorkflowDocument | undefined> {
    let pageToken = "";
    const found: WorkflowDocument[] = [];
    do {
      const page = await this.store.list(org, { kind: "Workflow", pageSize: 1000, pageToken });
      for (const resource of page.items) {
        const document = (resource.spec as { document?: Record<string, unknown> }).document;
        if (
          document?.name === ref.name && (document.namespace ?? "default") === ref.namespace &&
          (ref.version === "latest" || document.version === ref.version)
        ) found.push(resource.spec as unknown as WorkflowDocument);
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    return found.sort((a, b) =>
      String(b.document.version).localeCompare(String(a.document.version), undefined, {
        numeric: true,
      })
    )[0];
  }

  /** Executions running in this process: all of them, or those of the given organizations. */
  running(orgs?: readonly string[]): number {
    if (!orgs || orgs.includes("*")) return this.#running.size;
    let count = 0;
    for (const run of this.#running.values()) if (orgs.includes(run.org)) count++;
    return count;
  }

  get mcpRecord(): McpProcessRecord | undefined {
    return this.agents.mcpRecord;
  }

  get secrets(): SecretSource | undefined {
    return this.agents.secrets;
  }

  get sessions(): SessionKeeper | undefined {
    return this.agents.sessions;
  }

  /** Per running execution: the secret values to hide in its events, output and error. */
  readonly #redactors = new Map<string, Redactor>();

  #lookup(org: string) {
    const secrets = this.secrets;
    return (name: string) =>
      secrets
        ? secrets.get(org, name)
        : Promise.reject(new Error(`secret "${name}": this backend keeps no secrets`));
  }

  /** One agent run on the agent loop, loaded only when an agent runs (SPEC §10). */
  async #runAgent(
    org: string,
    executionId: string,
    call: {
      agent: string;
      message: string;
      task: string;
      signal: AbortSignal;
      session?: string;
      journal?: AgentJournal;
    },
  ): Promise<string> {
    const { runAgent } = await lazyImport<typeof import("../../agents/loop.ts")>(
      "../../agents/loop.ts",
      import.meta.url,
    );
    const session = call.session ? await this.sessions?.get(org, call.session) : undefined;
    if (session && session.agent !== call.agent) {
      throw new Error(
        `session ${call.session} is a conversation with agent ${session.agent}, not ${call.agent}; use another session name`,
      );
    }
    // A resumed run goes on from the history its first run saw; a new one records it.
    let history = session?.messages;
    const kept = call.journal?.session;
    if (kept && kept.name === call.session) history = history?.slice(0, kept.history);
    else if (call.session && call.journal) {
      await call.journal.recordSession({ name: call.session, history: history?.length ?? 0 });
    }
    const result = await runAgent({
      store: this.store,
      llm: await currentLlm(this.llm),
      org,
      agent: call.agent,
      message: call.message,
      signal: call.signal,
      task: call.task,
      record: this.mcpRecord,
      allowLocalProcesses: this.agents.allowLocalProcesses !== false,
      toolTimeoutMs: this.agents.toolTimeoutMs,
      secrets: this.#lookup(org),
      redactor: this.#redactors.get(executionId),
      emit: (event) => this.#emit(executionId, event),
      history,
      journal: call.journal,
    });
    if (call.session && this.sessions) {
      const now = new Date().toISOString();
      await this.sessions.save(org, {
        name: call.session,
        agent: call.agent,
        createdAt: session?.createdAt ?? now,
        updatedAt: now,
        executions: [...(session?.executions ?? []), executionId],
        messages: result.messages,
      });
    }
    return result.text;
  }

  distributeThrough(distribution: Distribution): void {
    this.#distribution = distribution;
  }

  /**
   * A queued run reached this server: runs (or resumes) it here until it ends, or until
   * `relayAfterMs`, when it is handed over before the queue's cap on a job runs out.
   */
  async runHere(job: RunJob, relayAfterMs?: number): Promise<void> {
    const already = this.#running.get(job.id);
    if (already) {
      // A new attempt of a job whose run still goes on here (the queue failed the job: its cap
      // ran out first, or a stop): it follows the run, and fails too if the run is handed over.
      await already.done;
      if (this.#handedOver.has(job.id)) throw new Error(`${job.id} handed over`);
      return;
    }
    const execution = await this.store.getExecution(job.org, job.id);
    if (!execution || TERMINAL_PHASES.has(execution.phase)) return;
    await this.resume(execution);
    const running = this.#running.get(job.id);
    // Past the job's cap, pg-boss would give the run to another server while this one still
    // runs it: stop here first (the task in flight runs again there, a wait only its rest).
    const relay = running && relayAfterMs !== undefined
      ? setTimeout(
        () =>
          running.controller.abort(new Error("handover: the queue's job reached its time limit")),
        relayAfterMs,
      )
      : undefined;
    try {
      await running?.done;
    } finally {
      clearTimeout(relay);
    }
    // Failing the job hands the run to another server at once (kept until the run is launched
    // again: every attempt that followed it here must fail, or the run would be left with no job).
    if (this.#handedOver.has(job.id)) throw new Error(`${job.id} handed over`);
  }

  /** A cancel published by any server: aborts the run if it runs here. */
  cancelHere(job: RunJob): void {
    this.#running.get(job.id)?.controller.abort(new Error("cancelled by the user"));
  }

  async #resolveTarget(org: string, target: string, kind: StartRequest["targetKind"]) {
    const prefix = idPrefixOf(target);
    const tryKind = async (k: "Workflow" | "Agent") =>
      (!kind || kind === k) ? await this.store.get(org, k, target) : undefined;
    // An id says its kind; a name is looked up as a workflow first, then an agent.
    const resource = prefix === "agt"
      ? await tryKind("Agent")
      : (await tryKind("Workflow")) ?? (await tryKind("Agent"));
    if (!resource) {
      throw new GrpcError(
        Status.NOT_FOUND,
        `no ${
          kind ? kind.toLowerCase() : "workflow or agent"
        } named "${target}" in organization ${org}`,
      );
    }
    return resource;
  }

  async start(request: StartRequest): Promise<Execution> {
    const target = await this.#resolveTarget(request.org, request.target, request.targetKind);
    const kind: ExecutionKind = target.kind === "Workflow" ? "WorkflowExecution" : "AgentExecution";
    if (kind === "AgentExecution" && !request.message) {
      throw new GrpcError(
        Status.INVALID_ARGUMENT,
        `agent ${target.metadata.name} needs a message: --message "…"`,
      );
    }
    if (kind === "WorkflowExecution" && request.message) {
      // Silently dropping it would run the workflow without what the user meant to say.
      throw new GrpcError(
        Status.INVALID_ARGUMENT,
        `${target.metadata.name} is a workflow: --message is for agents. ` +
          `Give a workflow its input with --input key=value or --input-file FILE`,
      );
    }
    if (request.session) {
      if (kind !== "AgentExecution") {
        throw new GrpcError(Status.INVALID_ARGUMENT, "--session is for agent runs, not workflows");
      }
      const problem = sessionNameProblem(request.session);
      if (problem) throw new GrpcError(Status.INVALID_ARGUMENT, problem);
      if (!this.sessions) {
        throw new GrpcError(Status.UNIMPLEMENTED, "this backend keeps no sessions");
      }
    }
    const execution = await this.store.createExecution({
      kind,
      org: request.org,
      targetId: target.metadata.id,
      targetName: target.metadata.name,
      input: kind === "AgentExecution"
        ? { ...request.input, message: request.message }
        : request.input,
      // A run keeps the version it started with, even when it resumes after a new apply.
      workflow: kind === "WorkflowExecution" ? target.spec : undefined,
    });
    if (this.#distribution) {
      await this.#distribution.dispatch({ org: request.org, id: execution.id });
    } else this.#launch(execution, target, request, false);
    return execution;
  }

  #launch(execution: Execution, target: Resource, request: StartRequest, resumed: boolean) {
    this.#handedOver.delete(execution.id);
    const controller = new AbortController();
    const done = this.#run(execution, target, request, controller.signal, resumed)
      .catch((err) => this.log.error(`execution ${execution.id}: ${err?.stack ?? err}`))
      .finally(() => this.#running.delete(execution.id));
    this.#running.set(execution.id, { org: request.org, controller, done });
  }

  /**
   * Takes up every run left PENDING or RUNNING by a process that died: each goes on from
   * its last checkpoint. For a store only this process uses (the daemon's SQLite file).
   */
  async resumeUnfinished(): Promise<number> {
    const unfinished = await this.store.listUnfinishedExecutions();
    for (const execution of unfinished) {
      if (this.#running.has(execution.id)) continue;
      try {
        await this.resume(execution);
      } catch (err) {
        this.log.error(`execution ${execution.id} cannot resume: ${(err as Error).message}`);
        const error = `cannot resume: ${(err as Error).message}`;
        await this.#finish(execution.id, {
          phase: "FAILED",
          error,
          finishedAt: new Date().toISOString(),
        }, {
          type: "execution.failed",
          task: "",
          message: error,
          data: null,
        });
      }
    }
    return unfinished.length;
  }

  /** Runs an unfinished execution again in this process, replaying its checkpoints. */
  async resume(execution: Execution): Promise<void> {
    const workflowRun = execution.kind === "WorkflowExecution";
    const { message, ...input } = execution.input as Record<string, unknown>;
    const request: StartRequest = {
      org: execution.org,
      target: execution.targetId,
      targetKind: workflowRun ? "Workflow" : "Agent",
      input: workflowRun ? execution.input : input,
      message: workflowRun ? "" : String(message ?? ""),
    };
    let target: Resource;
    const stored = workflowRun ? await this.store.getExecutionWorkflow(execution.id) : null;
    if (stored && typeof stored === "object") {
      // The version it started with; the resource may have changed or gone since.
      target = {
        kind: "Workflow",
        metadata: { id: execution.targetId, name: execution.targetName },
        spec: stored,
      } as unknown as Resource;
    } else {
      target = await this.#resolveTarget(execution.org, execution.targetId, request.targetKind);
    }
    // A run that never started (its process died first) starts now; the others resume.
    this.#launch(execution, target, request, execution.phase !== "PENDING");
  }

  /** The final phase and the terminal event, together (a process may die between two writes). */
  async #finish(
    executionId: string,
    update: ExecutionUpdate,
    event: Omit<ExecutionEvent, "executionId" | "seq" | "time">,
  ) {
    const stored = await this.store.finishExecution(update, { executionId, ...event });
    for (const listener of this.#listeners.get(executionId) ?? []) listener(stored);
  }

  async #emit(executionId: string, event: Omit<ExecutionEvent, "executionId" | "seq" | "time">) {
    const redactor = this.#redactors.get(executionId);
    if (redactor?.active) {
      event = { ...event, message: redactor.text(event.message), data: redactor.value(event.data) };
    }
    const stored = await this.store.appendEvent({
      executionId,
      ...event,
      data: boundedEventData(event.data),
    });
    for (const listener of this.#listeners.get(executionId) ?? []) listener(stored);
  }

  async #run(
    execution: Execution,
    target: Resource,
    request: StartRequest,
    signal: AbortSignal,
    resumed: boolean,
  ) {
    const redactor = new Redactor();
    this.#redactors.set(execution.id, redactor);
    try {
      await this.#runRedacted(execution, target, request, signal, resumed, redactor);
    } finally {
      this.#redactors.delete(execution.id);
    }
  }

  async #runRedacted(
    execution: Execution,
    target: Resource,
    request: StartRequest,
    signal: AbortSignal,
    resumed: boolean,
    redactor: Redactor,
  ) {
    const id = execution.id;
    const resumedAt = (task: string, where = "") =>
      this.#emit(id, {
        type: "execution.resumed",
        task,
        message: task ? `resumed at ${task}${where}` : "resumed",
        data: this.runner ? { runner: this.runner } : null,
      });
    if (!resumed) {
      await this.store.updateExecution(id, {
        phase: "RUNNING",
        startedAt: new Date().toISOString(),
      });
      await this.#emit(id, {
        type: "execution.started",
        task: "",
        message: `${execution.kind} of ${target.kind} ${target.metadata.name}`,
        data: this.runner ? { runner: this.runner } : null,
      });
    } else if (target.kind !== "Workflow") {
      await this.store.updateExecution(id, { phase: "RUNNING" });
    } else {
      await this.store.updateExecution(id, { phase: "RUNNING" });
    }
    try {
      let output: unknown;
      if (target.kind === "Workflow") {
        // $secrets only for a workflow that uses it; every value is then hidden in its events.
        const secrets = await workflowSecrets(
          target.spec as unknown as WorkflowDocument,
          this.secrets,
          request.org,
          (values) => redactor.add(values),
        );
        // A run that sees secrets keeps its checkpoints encrypted: task outputs may hold values.
        const sealer = sealerFor(this.secrets, id, () => redactor.active);
        const journal = resumed
          ? await StoreJournal.resume(this.store, id, resumedAt, sealer)
          : StoreJournal.fresh(this.store, id, sealer);
        const { runWorkflow } = await lazyImport<typeof import("../../engine/engine.ts")>(
          "../../engine/engine.ts",
          import.meta.url,
        );
        output = await runWorkflow(target.spec as unknown as WorkflowDocument, request.input, {
          emit: (event) => this.#emit(id, { ...event, data: event.data ?? null }),
          fetch: guardedFetch(),
          eventBus: this.bus.forOrg(request.org),
          callAgent: async (call) =>
            this.#runAgent(request.org, id, {
              agent: call.agent,
              message: call.message,
              task: call.task ?? call.agent,
              signal: call.signal,
              // The task in flight on a resumed run goes on from its agent's checkpoints.
              journal: call.journalKey
                ? await AgentJournal.open(this.store, id, call.journalKey, resumed)
                : undefined,
            }),
          callMcp: async (call) => {
            const { callMcpMethod } = await lazyImport<typeof import("../../mcp/client.ts")>(
              "../../mcp/client.ts",
              import.meta.url,
            );
            const t = call.transport;
            if (t.stdio && this.agents.allowLocalProcesses === false) {
              throw new Error(LOCAL_PROCESSES_REFUSED(`call: mcp (${t.stdio.command})`));
            }
            return await callMcpMethod(
              {
                name: call.task,
                ...(t.stdio
                  ? {
                    stdio: {
                      command: t.stdio.command,
                      args: t.stdio.arguments,
                      env: t.stdio.environment,
                    },
                  }
                  : {}),
                ...(t.http ? { http: { url: t.http.endpoint, headers: t.http.headers } } : {}),
              },
              call.method,
              call.parameters,
              { record: this.mcpRecord, signal: call.signal, timeoutMs: MCP_CALL_TIMEOUT_MS },
            );
          },
          loadWorkflow: (ref) => this.#findWorkflow(request.org, ref),
          loadSecrets: (doc) =>
            workflowSecrets(doc, this.secrets, request.org, (values) => redactor.add(values)),
          journal,
        }, { signal, executionId: id, secrets, localProcesses: this.localProcesses });
        // Every task had completed before: the run resumes at its end.
        if (journal.resumePending) await resumedAt("");
      } else {
        // Each step and tool result is checkpointed; a resumed run goes on from them.
        const journal = await AgentJournal.open(this.store, id, target.metadata.name, resumed);
        if (resumed) await resumedAt(target.metadata.name, `, ${journal.where}`);
        const reply = await this.#runAgent(request.org, id, {
          agent: target.metadata.name,
          message: request.message,
          task: target.metadata.name,
          signal,
          // A resumed run's session is in its checkpoints (the stored execution has none).
          session: (resumed ? journal.session?.name : undefined) ?? (request.session || undefined),
          journal,
        });
        await this.#emit(id, {
          type: "agent.message",
          task: target.metadata.name,
          message: reply,
          data: { agent: target.metadata.name },
        });
        output = { message: reply };
      }
      output = redactor.value(output);
      await this.#finish(id, {
        phase: "COMPLETED",
        output: boundedEventData(output),
        finishedAt: new Date().toISOString(),
      }, {
        type: "execution.completed",
        task: "",
        message: "completed",
        data: output ?? null,
      });
    } catch (err) {
      const cancelled = signal.aborted || err instanceof WorkflowCancelledError;
      const reason = signal.reason instanceof Error
        ? signal.reason.message
        : String(signal.reason ?? "");
      if (cancelled && reason.startsWith("handover:")) {
        // Left RUNNING with its checkpoints: another server resumes it.
        this.#handedOver.add(id);
        return;
      }
      const phase = cancelled
        ? (reason.startsWith("interrupted:") ? "INTERRUPTED" : "CANCELLED")
        : "FAILED";
      const message = redactor.text(
        cancelled ? reason.replace(/^interrupted: /, "") || "cancelled" : (err as Error).message,
      );
      await this.#finish(id, { phase, error: message, finishedAt: new Date().toISOString() }, {
        type: phase === "FAILED"
          ? "execution.failed"
          : phase === "CANCELLED"
          ? "execution.cancelled"
          : "execution.interrupted",
        task: "",
        message,
        data: null,
      });
    }
  }

  async get(org: string, id: string): Promise<Execution> {
    const execution = await this.store.getExecution(org, id);
    if (!execution) {
      throw new GrpcError(Status.NOT_FOUND, `execution ${id} not found in organization ${org}`);
    }
    return execution;
  }

  async cancel(org: string, id: string): Promise<Execution> {
    const execution = await this.get(org, id);
    const running = this.#running.get(id);
    if (!running) {
      if (TERMINAL_PHASES.has(execution.phase)) {
        throw new GrpcError(
          Status.FAILED_PRECONDITION,
          `execution ${id} already ended (${execution.phase})`,
        );
      }
      if (!this.#distribution) return execution;
      // It runs on another server (or waits in the queue): every server hears the cancel.
      await this.#distribution.cancel({ org, id });
      for (let waited = 0; waited < 30_000; waited += 100) {
        const now = await this.get(org, id);
        if (TERMINAL_PHASES.has(now.phase)) return now;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return await this.get(org, id);
    }
    running.controller.abort(new Error("cancelled by the user"));
    await running.done;
    return await this.get(org, id);
  }

  /** Replays stored events after `afterSeq`, then follows until the terminal event. */
  async watch(
    org: string,
    id: string,
    afterSeq: number,
    send: (event: ExecutionEvent) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    await this.get(org, id);
    const queue: ExecutionEvent[] = [];
    let wake: (() => void) | undefined;
    const listener: Listener = (event) => {
      queue.push(event);
      wake?.();
    };
    // One abort listener for the whole watch (not one per wait: a long run waits thousands of times).
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    // Subscribe before replaying, so nothing falls between the two.
    if (!this.#listeners.has(id)) this.#listeners.set(id, new Set());
    this.#listeners.get(id)!.add(listener);
    try {
      let last = afterSeq;
      for (const event of await this.store.listEvents(id, afterSeq)) {
        await send(event);
        last = event.seq;
        if (TERMINAL_EVENTS.has(event.type)) return;
      }
      // A run that ended before we subscribed, whose end was not stored as an event.
      if (!this.#running.has(id) && TERMINAL_PHASES.has((await this.get(org, id)).phase)) return;
      while (!signal.aborted) {
        if (!this.#running.has(id) && queue.length === 0) {
          // Run by another server (or not yet picked up): the events table is the truth.
          queue.push(...await this.store.listEvents(id, last));
          if (queue.length === 0 && TERMINAL_PHASES.has((await this.get(org, id)).phase)) {
            queue.push(...await this.store.listEvents(id, last));
            if (queue.length === 0) return;
          }
        }
        while (queue.length > 0) {
          const event = queue.shift()!;
          if (event.seq <= last) continue;
          await send(event);
          last = event.seq;
          if (TERMINAL_EVENTS.has(event.type)) return;
        }
        // A run elsewhere sends nothing here: its server's NOTIFY (or, where the store has
        // none or one is missed, a poll) says when to read the events table again.
        const remote = !this.#running.has(id);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const wakers = remote ? this.#remoteWakers(id) : undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (remote) {
            wakers!.add(resolve);
            timer = setTimeout(resolve, this.store.watchEvents ? 1000 : 200);
          }
        });
        clearTimeout(timer);
        wakers?.delete(wake!);
        if (wakers?.size === 0) this.#remoteWatchers.delete(id);
        wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      const set = this.#listeners.get(id);
      set?.delete(listener);
      if (set?.size === 0) this.#listeners.delete(id);
    }
  }

  /** Resolves when the run ends (at once when it is not running here). */
  async finished(id: string): Promise<void> {
    await this.#running.get(id)?.done;
  }

  /** The wakers of remote watches of `id`; subscribes to the store's notifications once. */
  #remoteWakers(id: string): Set<() => void> {
    if (this.store.watchEvents && !this.#notifications) {
      this.#notifications = this.store.watchEvents((executionId) => {
        for (const wakeUp of this.#remoteWatchers.get(executionId) ?? []) wakeUp();
      }).catch((err) => {
        this.log.error(`event notifications unavailable, polling: ${(err as Error).message}`);
        this.#notifications = undefined;
      });
    }
    let set = this.#remoteWatchers.get(id);
    if (!set) this.#remoteWatchers.set(id, set = new Set());
    return set;
  }

  /**
   * Stops every run; they end INTERRUPTED with the reason, or with `handOver` (shared servers)
   * stay RUNNING for another server to resume.
   */
  async stopAll(reason: string, options: { handOver?: boolean } = {}): Promise<void> {
    const runs = [...this.#running.values()];
    const prefix = options.handOver ? "handover" : "interrupted";
    for (const run of runs) run.controller.abort(new Error(`${prefix}: ${reason}`));
    await Promise.allSettled(runs.map((run) => run.done));
  }
}
