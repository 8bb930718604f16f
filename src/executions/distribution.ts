// Shared servers on one PostgreSQL database: which process runs which execution. The work
// goes through pg-boss (a job queue on the same database; see the README for why it over
// graphile-worker and DBOS): Start queues a job, every server works the queue, and a job
// whose server died stops getting heartbeats and is handed to another server, which
// resumes the run from its checkpoints. Cancels are published to every server's own queue.
import { PgBoss } from "pg-boss";

/** pg-boss's schema on the shared database. */
export const QUEUE_SCHEMA = "stigmer_queue";
export const RUNS_QUEUE = "stigmer-executions";
const CANCEL_EVENT = "stigmer-execution-cancel";
/** pg-boss's smallest heartbeat: a dead server's runs move within about this long (+ a poll). */
const HEARTBEAT_SECONDS = 10;

/** The runs queue, as the first server to start creates it. */
export const RUNS_QUEUE_OPTIONS = {
  heartbeatSeconds: HEARTBEAT_SECONDS,
  // A run fails inside the engine, never in the job: a retry means its server died.
  retryLimit: 1000,
  retryDelay: 0,
  // pg-boss caps a job at 24 hours: a longer run is relayed to a new attempt before.
  expireInSeconds: 23 * 3600,
};

export interface RunJob {
  org: string;
  id: string;
}

/**
 * When a server hands a run it still runs on to the next job: before pg-boss's cap on a job
 * (expireInSeconds, at most 24 hours) fails the job and another server resumes the run while
 * this one still runs it. 10 minutes before the cap, or a quarter of a shorter one before it.
 */
export function relayAfterMs(expireInSeconds: number): number {
  return Math.max(0, expireInSeconds * 1000 - Math.min(600_000, expireInSeconds * 250));
}

export interface DistributionHandlers {
  /**
   * Runs (or resumes) the execution here; resolves when it ended. A run still going after
   * `relayAfterMs` is handed over (left RUNNING with its checkpoints) and the promise
   * rejects, which fails the job: the queue gives the run to a server as a new attempt.
   */
  run(job: RunJob, relayAfterMs: number): Promise<void>;
  /** Cancels the execution if it runs in this process. */
  cancel(job: RunJob): void;
}

export class Distribution {
  private constructor(private readonly boss: PgBoss) {}

  static async start(
    databaseUrl: string,
    instanceId: string,
    handlers: DistributionHandlers,
    options: { concurrency: number; log: { error(message: string): void } },
  ): Promise<Distribution> {
    const make = () => {
      const boss = new PgBoss(
        {
          connectionString: databaseUrl,
          schema: QUEUE_SCHEMA,
          // The registry reads the host name (--allow-sys); servers find each other by their jobs.
          registerInstance: false,
          monitorIntervalSeconds: 1,
          superviseIntervalSeconds: 1,
        } as ConstructorParameters<typeof PgBoss>[0],
      );
      boss.on("error", (err: Error) => options.log.error(`queue: ${err.message}`));
      return boss;
    };
    const setUp = async (boss: PgBoss) => {
      await boss.start();
      await ensureQueue(boss, RUNS_QUEUE, RUNS_QUEUE_OPTIONS);
      const cancels = `stigmer-cancel-${instanceId}`;
      await ensureQueue(boss, cancels, { retryLimit: 0, deleteAfterSeconds: 3600 });
      await boss.subscribe(CANCEL_EVENT, cancels);
      // One pg-boss worker per concurrent run, each polling every second when idle.
      await boss.work<RunJob>(
        RUNS_QUEUE,
        { pollingIntervalSeconds: 1, batchSize: 1, localConcurrency: options.concurrency },
        async ([job]) => await handlers.run(job.data, relayAfterMs(job.expireInSeconds)),
      );
      await boss.work<RunJob>(cancels, { pollingIntervalSeconds: 0.5 }, (jobs) => {
        for (const job of jobs) handlers.cancel(job.data);
        return Promise.resolve();
      });
    };
    // Servers starting together race to create pg-boss's schema and queues; the loser tries again.
    let boss = make();
    for (let attempt = 1;; attempt++) {
      try {
        await setUp(boss);
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
        options.log.error(`queue: start failed (${(err as Error).message}), trying again`);
        await boss.stop({ graceful: false }).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
        boss = make();
      }
    }
    return new Distribution(boss);
  }

  /** Queues a new execution: whichever server is free takes it. */
  async dispatch(job: RunJob): Promise<void> {
    await this.boss.send(RUNS_QUEUE, job);
  }

  /** Asks every server to cancel the execution (the one running it does). */
  async cancel(job: RunJob): Promise<void> {
    await this.boss.publish(CANCEL_EVENT, job);
  }

  async stop(): Promise<void> {
    // Graceful: the handlers just failed their jobs (hand-over); let pg-boss record that.
    await this.boss.stop({ graceful: true, timeout: 5000 });
  }
}

async function ensureQueue(boss: PgBoss, name: string, options: Record<string, unknown>) {
  if (await boss.getQueue(name)) return;
  try {
    await boss.createQueue(name, options);
  } catch (err) {
    // Another server created it between the two calls.
    if (!(await boss.getQueue(name))) throw err;
  }
}
