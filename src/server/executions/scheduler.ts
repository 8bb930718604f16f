// Starts scheduled workflows while the local daemon runs: `schedule.every` (at a fixed
// interval, whether or not the last run ended), `schedule.cron` (croner, loaded only when a
// cron schedule exists), `schedule.after` (that long after the last run ended; the first
// run that long after loading) and `schedule.on` (a run per consumed set of events, whose
// input is the array of those events). Schedules are loaded from the store at start and
// again for an organization whenever its workflows are applied or deleted.
import type { Resource } from "../../model/resource.ts";
import type { ResourceStore } from "../../store/store.ts";
import type { CloudEvent } from "../../engine/mod.ts";
import { compileStrategy, Consumption, Correlations } from "../../engine/tasks/listen.ts";
import { parseDuration } from "../../engine/durations.ts";
// jq.ts is light; the WebAssembly jq itself loads only in loadJq.
import { loadJq } from "../../engine/jq.ts";
import type { EventBus } from "./event_bus.ts";
import type { ExecutionManager } from "./manager.ts";

/** setTimeout's limit is 2^31-1 ms; further starts are re-armed on the way. */
const MAX_TIMER_MS = 2 ** 30;

interface Entry {
  org: string;
  id: string;
  name: string;
  version: number;
  /** The next timed start, if the schedule has one. */
  next?: Date;
  /** `on` only: there is no time, an event starts it. */
  onEvents: boolean;
  timer?: ReturnType<typeof setTimeout>;
  unsubscribe?: () => void;
  /** Set once removed: callbacks that were already queued do nothing. */
  stopped: boolean;
}

interface ScheduleSpec {
  every?: unknown;
  cron?: unknown;
  after?: unknown;
  on?: unknown;
}

type CronClass = typeof import("croner").Cron;

export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #loaded = new Set<string>();
  #cron: CronClass | undefined;
  #stopped = false;

  constructor(
    private readonly store: ResourceStore,
    private readonly manager: ExecutionManager,
    private readonly bus: EventBus,
    private readonly log: { info(message: string): void; error(message: string): void },
  ) {}

  /** Loads the schedules of `orgs` (the local daemon: its one organization). */
  async start(orgs: readonly string[]): Promise<void> {
    for (const org of orgs) await this.reload(org);
  }

  /** Re-reads `org`'s workflows: new schedules start, changed ones restart, removed ones stop. */
  async reload(org: string): Promise<void> {
    if (this.#stopped) return;
    this.#loaded.add(org);
    const workflows: Resource[] = [];
    let pageToken = "";
    do {
      const page = await this.store.list(org, { kind: "Workflow", pageSize: 1000, pageToken });
      workflows.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const seen = new Set<string>();
    for (const workflow of workflows) {
      const schedule = (workflow.spec as { schedule?: ScheduleSpec }).schedule;
      if (!schedule || typeof schedule !== "object") continue;
      const key = `${org}/${workflow.metadata.id}`;
      seen.add(key);
      const existing = this.#entries.get(key);
      if (existing?.version === workflow.metadata.version) continue;
      if (existing) this.#remove(key);
      try {
        await this.#add(org, workflow, schedule);
      } catch (error) {
        this.log.error(
          `workflow ${workflow.metadata.name}: its schedule is not started: ${
            (error as Error).message
          }`,
        );
      }
    }
    for (const [key, entry] of this.#entries) {
      if (entry.org === org && !seen.has(key)) this.#remove(key);
    }
  }

  /** The next timed start of a workflow; "on event" for an event-driven schedule. */
  nextStart(org: string, id: string): string | undefined {
    const entry = this.#entries.get(`${org}/${id}`);
    if (!entry) return undefined;
    if (entry.next) return entry.next.toISOString();
    return entry.onEvents ? "on event" : undefined;
  }

  /** Whether a timed start falls within the next `ms` (the daemon then stays up). */
  dueWithin(ms: number, now = Date.now()): boolean {
    for (const entry of this.#entries.values()) {
      if (entry.next && entry.next.getTime() - now <= ms) return true;
    }
    return false;
  }

  stop(): void {
    this.#stopped = true;
    for (const key of [...this.#entries.keys()]) this.#remove(key);
  }

  async #add(org: string, workflow: Resource, schedule: ScheduleSpec): Promise<void> {
    const entry: Entry = {
      org,
      id: workflow.metadata.id,
      name: workflow.metadata.name,
      version: workflow.metadata.version,
      onEvents: schedule.on !== undefined,
      stopped: false,
    };
    if (schedule.cron !== undefined) {
      if (typeof schedule.cron !== "string") throw new Error("schedule.cron must be a string");
      this.#cron ??= (await import("croner")).Cron;
      const cron = new this.#cron(schedule.cron, { paused: true });
      // After the start that just fired (a timer may fire a millisecond early: never twice).
      this.#arm(entry, (previous) => {
        const from = previous && previous.getTime() > Date.now() ? previous : new Date();
        return cron.nextRun(from) ?? undefined;
      });
    } else if (schedule.every !== undefined) {
      const every = parseDuration(schedule.every);
      if (every <= 0) throw new Error("schedule.every must be longer than zero");
      let next = Date.now() + every;
      this.#arm(entry, () => {
        const at = new Date(next);
        next = Math.max(next + every, Date.now());
        return at;
      });
    } else if (schedule.after !== undefined) {
      const after = parseDuration(schedule.after);
      this.#armAfter(entry, after);
    }
    if (schedule.on !== undefined) {
      const { strategy, problems, needsJq } = compileStrategy(schedule.on, "schedule/on");
      if (problems.length > 0) {
        throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join("; "));
      }
      if (needsJq) await loadJq();
      const fresh = () => new Consumption(strategy, new Correlations(null, {}));
      let consumption = fresh();
      let batch: CloudEvent[] = [];
      entry.unsubscribe = this.bus.subscribe(org, (event) => {
        try {
          if (!consumption.offer(event)) return;
        } catch (error) {
          this.log.error(`workflow ${entry.name}: schedule.on filter failed: ${error}`);
          return;
        }
        batch.push(event);
        if (strategy.mode !== "any" && !consumption.complete) return;
        const input = batch;
        batch = [];
        consumption = fresh();
        void this.#startRun(entry, input);
      });
    }
    this.#entries.set(`${org}/${entry.id}`, entry);
  }

  /** Runs at each time `nextTime` gives, for as long as the entry lives. */
  #arm(entry: Entry, nextTime: (previous?: Date) => Date | undefined): void {
    const schedule = (at: Date | undefined) => {
      entry.next = at;
      if (!at || entry.stopped) return;
      const wait = () => {
        const delay = at.getTime() - Date.now();
        if (delay > MAX_TIMER_MS) {
          entry.timer = setTimeout(wait, MAX_TIMER_MS);
          return;
        }
        entry.timer = setTimeout(() => {
          if (entry.stopped) return;
          schedule(nextTime(at));
          void this.#startRun(entry, {});
        }, Math.max(0, delay));
      };
      wait();
    };
    schedule(nextTime());
  }

  /** `after`: the next run starts `ms` after the previous one ended. */
  #armAfter(entry: Entry, ms: number): void {
    entry.next = new Date(Date.now() + ms);
    entry.timer = setTimeout(async () => {
      if (entry.stopped) return;
      entry.next = undefined;
      const id = await this.#startRun(entry, {});
      if (id) await this.manager.finished(id);
      if (!entry.stopped) this.#armAfter(entry, ms);
    }, ms);
  }

  async #startRun(entry: Entry, input: unknown): Promise<string | undefined> {
    if (entry.stopped || this.#stopped) return undefined;
    try {
      const execution = await this.manager.start({
        org: entry.org,
        target: entry.id,
        targetKind: "Workflow",
        // `schedule.on` runs get the array of events that started them (dsl.md).
        input: input as Record<string, unknown>,
        message: "",
      });
      this.log.info(`schedule started ${execution.id} of workflow ${entry.name}`);
      return execution.id;
    } catch (error) {
      this.log.error(`schedule of workflow ${entry.name} could not start a run: ${error}`);
      return undefined;
    }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.stopped = true;
    clearTimeout(entry.timer);
    entry.unsubscribe?.();
    this.#entries.delete(key);
  }
}
