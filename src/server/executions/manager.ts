// Runs executions inside the serving process: starts them, records every
// event in the store, lets watchers follow, cancels, and on shutdown marks
// whatever is still running INTERRUPTED (never left RUNNING forever). Runs are durable:
// each task's outcome is checkpointed (src/executions), and resumeUnfinished() takes up
// the runs a dead process left RUNNING.
import type { ExecutionUpdate, ResourceStore } from "../../store/store.ts";
import type { Execution, ExecutionEvent, ExecutionKind } from "../../model/execution.ts";
import { TERMINAL_PHASES } from "../../model/execution.ts";
import type { Resource } from "../../model/resource.ts";
import { idPrefixOf } from "../../model/ids.ts";
import { runWorkflow, WorkflowCancelledError, type WorkflowDocument } from "../../engine/mod.ts";
import type { LlmSettings } from "../llm/chat.ts";
import { runAgentTurn } from "./agent_turn.ts";
import { guardedFetch } from "./net_guard.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { StoreJournal } from "../../executions/checkpoints.ts";
import type { Distribution, RunJob } from "../../executions/distribution.ts";

type Listener = (event: ExecutionEvent) => void;

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export interface StartRequest {
  org: string;
  target: string;
  targetKind: "" | "Workflow" | "Agent";
  input: Record<string, unknown>;
  message: string;
}

const TERMINAL_EVENTS = new Set([
  "execution.completed",
  "execution.failed",
  "execution.cancelled",
  "execution.interrupted",
]);

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

  constructor(
    private readonly store: ResourceStore,
    private readonly llm: LlmSettings,
    private readonly log: { error(message: string): void },
    /** The serving process's instance id: execution.started/resumed say which process runs it. */
    private readonly runner = "",
  ) {}

  running(): number {
    return this.#running.size;
  }

  distributeThrough(distribution: Distribution): void {
    this.#distribution = distribution;
  }

  /** A queued run reached this server: runs (or resumes) it here until it ends. */
  async runHere(job: RunJob): Promise<void> {
    const already = this.#running.get(job.id);
    if (already) return await already.done;
    const execution = await this.store.getExecution(job.org, job.id);
    if (!execution || TERMINAL_PHASES.has(execution.phase)) return;
    await this.resume(execution);
    await this.#running.get(job.id)?.done;
    // Failing the job hands the run to another server at once.
    if (this.#handedOver.has(job.id)) throw new Error(`${job.id} handed over: this server stops`);
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
    const controller = new AbortController();
    const done = this.#run(execution, target, request, controller.signal, resumed)
      .catch((err) => this.log.error(`execution ${execution.id}: ${err?.stack ?? err}`))
      .finally(() => this.#running.delete(execution.id));
    this.#running.set(execution.id, { controller, done });
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
    const stored = await this.store.appendEvent({ executionId, ...event });
    for (const listener of this.#listeners.get(executionId) ?? []) listener(stored);
  }

  async #run(
    execution: Execution,
    target: Resource,
    request: StartRequest,
    signal: AbortSignal,
    resumed: boolean,
  ) {
    const id = execution.id;
    const resumedAt = (task: string) =>
      this.#emit(id, {
        type: "execution.resumed",
        task,
        message: task ? `resumed at ${task}` : "resumed",
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
      await resumedAt(target.metadata.name);
    } else {
      await this.store.updateExecution(id, { phase: "RUNNING" });
    }
    try {
      let output: unknown;
      if (target.kind === "Workflow") {
        const journal = resumed
          ? await StoreJournal.resume(this.store, id, resumedAt)
          : StoreJournal.fresh(this.store, id);
        output = await runWorkflow(target.spec as unknown as WorkflowDocument, request.input, {
          emit: (event) => this.#emit(id, { ...event, data: event.data ?? null }),
          fetch: guardedFetch(),
          callAgent: (call) =>
            runAgentTurn(this.store, this.llm, request.org, call.agent, call.message, call.signal),
          journal,
        }, { signal, executionId: id });
        // Every task had completed before: the run resumes at its end.
        if (journal.resumePending) await resumedAt("");
      } else {
        const reply = await runAgentTurn(
          this.store,
          this.llm,
          request.org,
          target.metadata.name,
          request.message,
          signal,
        );
        await this.#emit(id, {
          type: "agent.message",
          task: target.metadata.name,
          message: reply,
          data: null,
        });
        output = { message: reply };
      }
      await this.#finish(id, { phase: "COMPLETED", output, finishedAt: new Date().toISOString() }, {
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
      const message = cancelled
        ? reason.replace(/^interrupted: /, "") || "cancelled"
        : (err as Error).message;
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
