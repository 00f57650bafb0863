import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ClusterLocks } from '../../cluster/locks.js';
import { AppConfig } from '../../config/app-config.js';
import { RunsRepository } from '../runs.repository.js';
import { RunQueue } from './run-jobs.js';

const SWEEP_EVERY_MS = 30_000;
/** A run younger than this may still be on its way into the queue. */
const GRACE_MS = 30_000;
const SWEEP_LOCK = 'orphan-sweep';

/**
 * A cluster's sweep for runs left without a job (queued or running, but their job completed,
 * failed or is gone: a database outage while a run ended, a queue emptied): each gets a job again,
 * and a worker goes on with it from its stored steps. One worker sweeps at a time (a Redis lease).
 */
@Injectable()
export class OrphanRuns implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrphanRuns.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly runs: RunsRepository,
    private readonly queue: RunQueue,
    private readonly locks: ClusterLocks,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const cluster = this.config.cluster;
    if (cluster === null || !cluster.runJobs) return;
    this.timer = setInterval(
      () => void this.sweep().catch((e: Error) => this.logger.warn(`Sweep failed: ${e.message}`)),
      SWEEP_EVERY_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  /** Requeues the orphaned runs; returns their ids. */
  async sweep(now = Date.now()): Promise<string[]> {
    // Left to lapse, not released: the next sweep is due when it does, on whichever worker.
    if (!(await this.locks.take(SWEEP_LOCK, this.config.writerId, SWEEP_EVERY_MS - 1000))) return [];
    const requeued: string[] = [];
    for (const run of await this.runs.findUnfinished()) {
      if (now - run.createdAt.getTime() < GRACE_MS) continue;
      const runId = run._id.toHexString();
      if (await this.queue.requeueIfOrphaned(runId)) requeued.push(runId);
    }
    if (requeued.length > 0) this.logger.warn(`Runs without a job given one again: ${requeued.join(', ')}`);
    return requeued;
  }
}
