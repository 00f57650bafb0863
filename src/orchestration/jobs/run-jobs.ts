import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Job, Queue, Worker } from 'bullmq';
import { requireWhenNeeded } from '../../common/lazy-require.js';
import { Cluster } from '../../cluster/cluster.js';
import { UsageRecorder } from '../../analytics/usage-recorder.js';
import { AppConfig } from '../../config/app-config.js';
import { RedisAdmission } from '../admission.js';
import { OrchestrationEngine, type Lease } from '../orchestration-engine.js';
import { DatabaseWatch } from './database-watch.js';
import { LockKeeper } from './lock-keeper.js';

/** BullMQ, loaded in a cluster only (the default single process has no queue). */
const bullmq = () => requireWhenNeeded<typeof import('bullmq')>('bullmq');

export const RUN_QUEUE = 'orx-runs';
/** How long a stopping worker lets its runs go on before it hands them back to the queue. */
const STOP_GRACE_MS = 10_000;

interface RunJobData {
  runId: string;
}

/** The queue of runs to execute (a cluster): the API stores a run `queued` and adds its job here. */
@Injectable()
export class RunQueue implements BeforeApplicationShutdown {
  private queue: Queue<RunJobData> | null = null;

  constructor(private readonly cluster: Cluster) {}

  private get jobs(): Queue<RunJobData> {
    this.queue ??= new (bullmq().Queue)<RunJobData>(RUN_QUEUE, { connection: this.cluster.connect('queue') });
    return this.queue;
  }

  /** The job's id is the run's: adding a run twice (an idempotent retry) leaves one job. */
  async enqueue(runId: string): Promise<void> {
    await this.jobs.add(
      'run',
      { runId },
      {
        jobId: runId,
        // A stopping worker hands its runs back by failing their jobs: each hand-over is an attempt.
        attempts: 100,
        // A run whose end could not be stored (the database was away) is tried again a second later.
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  /**
   * Gives a run a job again when it has none going (no job, or one that completed or failed while
   * the run did not end): what a database outage or a lost job leaves behind. False when its job goes.
   */
  async requeueIfOrphaned(runId: string): Promise<boolean> {
    const state = await this.jobs.getJobState(runId);
    if (state !== 'unknown' && state !== 'completed' && state !== 'failed') return false;
    if (state !== 'unknown') await this.jobs.remove(runId);
    await this.enqueue(runId);
    return true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue?.close();
  }
}

/** Raised by a job whose worker stops before the run ended: BullMQ gives it to another worker. */
class HandedOver extends Error {
  override name = 'HandedOver';
}

/**
 * Takes run jobs and executes them with the engine (a cluster process with RUN_JOBS, or `npm run
 * worker`). A worker that dies loses its job's lock; BullMQ's stalled-job check gives the job to
 * another worker within about RUN_LOCK_MS, which goes on from the run's stored steps. While runs
 * go, their admission slots are renewed and the calls in flight reported, every second.
 */
@Injectable()
export class RunWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RunWorker.name);
  private worker: Worker<RunJobData> | null = null;
  private keeper: LockKeeper | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly engine: OrchestrationEngine,
    private readonly admission: RedisAdmission,
    private readonly usage: UsageRecorder,
    private readonly config: AppConfig,
    private readonly database: DatabaseWatch,
  ) {}

  onApplicationBootstrap(): void {
    const cluster = this.config.cluster;
    if (cluster === null || !cluster.runJobs) return;
    this.keeper = new LockKeeper(cluster.redisUrl, cluster.lockMs, `bull:${RUN_QUEUE}:stalled`);
    this.worker = new (bullmq().Worker)<RunJobData>(RUN_QUEUE, (job, token) => this.process(job, token), {
      connection: this.cluster.connect('worker'),
      concurrency: cluster.concurrency,
      lockDuration: cluster.lockMs,
      stalledInterval: cluster.lockMs,
      maxStalledCount: 100,
    });
    this.worker.on('error', (error) => this.logger.warn(`Run worker: ${error.message}`));
    // Jobs taken while the database is away would each fail: none are taken until it answers.
    this.database.onChange((up) => {
      if (up) void this.worker?.resume();
      else void this.worker?.pause(true);
    });
    this.timer = setInterval(() => void this.heartbeat(), 1000);
    this.timer.unref();
    void this.heartbeat();
  }

  /**
   * Executes a run job under its lock: the lock keeper renews the lock off the main thread, and the
   * run checks before each model call that the lock is still its own (the lease), so a worker that
   * lost its job (wedged for minutes) stops before it pays for anything another worker will do.
   */
  private async process(job: Job<RunJobData>, token: string | undefined): Promise<void> {
    const { runId } = job.data;
    const lockKey = `${job.queueQualifiedName}:${job.id}:lock`;
    const lease: Lease = {
      held: async () => token === undefined || (await this.cluster.redis.get(lockKey)) === token,
    };
    if (token !== undefined) this.keeper?.hold(lockKey, token, String(job.id));
    let ended: Awaited<ReturnType<OrchestrationEngine['runJob']>>;
    try {
      ended = await this.engine.runJob(runId, lease);
    } finally {
      this.keeper?.drop(lockKey);
    }
    const { end, keyId } = ended;
    // The job completes only once the run's usage is written (its own, and what a takeover records
    // again): a worker that dies after that leaves nothing of this run unwritten, and no takeover
    // would come to write it.
    await this.usage.written();
    if (end === 'lost') {
      this.logger.warn(`Run ${runId}: this worker lost its job's lock; the worker that holds it goes on`);
      return;
    }
    if (end === 'handed_over') throw new HandedOver(`run ${runId} handed back: its worker stops`);
    if (end === 'unstored') throw new HandedOver(`run ${runId} handed back: its end could not be stored`);
    if (keyId !== null) await this.admission.release(keyId, runId).catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    const slots = this.engine.slots();
    try {
      await this.admission.renew(slots);
      await this.admission.reportCalls(this.engine.gate.current);
    } catch (error) {
      this.logger.warn(`Renewing run slots failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** SIGTERM: no new jobs; runs going get STOP_GRACE_MS to end, then go back to the queue. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.worker === null) return;
    const closing = this.worker.close();
    await this.engine.stopAll(STOP_GRACE_MS);
    await closing;
    await this.keeper?.close();
    await this.admission.reportCalls(0).catch(() => undefined);
  }
}
