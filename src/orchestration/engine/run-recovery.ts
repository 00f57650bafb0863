import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { UsageRecorder } from '../../analytics/usage-recorder.js';
import { Cluster } from '../../cluster/cluster.js';
import { sentKey } from '../events/run-broadcaster.js';
import { RunEventBus, type RunAddress } from '../events/run-event-bus.js';
import { FINAL_EVENTS } from '../events/run-events.js';
import { RunEventsRepository } from '../run-events.repository.js';
import { RunsRepository, type RunRecord } from '../runs.repository.js';
import { takeoverUsage } from './step-records.js';
import { RunFinisher } from './run-finisher.js';

export function addressOf(run: Pick<RunRecord, '_id' | 'ownerId' | 'threadId' | 'sessionId'>): RunAddress {
  return {
    runId: run._id.toHexString(),
    ownerId: run.ownerId,
    threadId: run.threadId.toHexString(),
    sessionId: run.sessionId.toHexString(),
  };
}

/** A run job's run as this worker found it: to go on with after `lastSeq`, or ended already. */
export type Claimed = { run: RunRecord; lastSeq: number; ended: false } | { run: RunRecord; ended: true };

/**
 * What a process that died left behind. One process: its runs left `running` are marked
 * interrupted at the next start. A cluster: a worker that takes over a dead worker's job finds the
 * run's stored events, steps and usage, and makes good what the dead worker had not finished.
 */
@Injectable()
export class RunRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(RunRecovery.name);

  constructor(
    private readonly runs: RunsRepository,
    private readonly events: RunEventsRepository,
    private readonly bus: RunEventBus,
    private readonly usage: UsageRecorder,
    private readonly cluster: Cluster,
    private readonly finisher: RunFinisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.cluster.enabled) return; // the queue gives a dead worker's runs to another worker
    for (const run of await this.runs.findRunning()) {
      const address = addressOf(run);
      this.bus.open(address, await this.events.lastSeq(run._id));
      await this.finisher.interrupt(run);
      await this.bus.close(address.runId);
      this.logger.warn(`Run ${address.runId} was left running by a stopped server: marked interrupted`);
    }
  }

  /**
   * Takes a run job's run (null when the run is gone): its steps' usage recorded once (the dead
   * worker may have died with it unwritten, even after the run ended), the stored events it had
   * not broadcast yet broadcast, and a run that had ended given its final event if it lacks one.
   * A queued run is set running.
   */
  async claim(runId: string): Promise<Claimed | null> {
    const run = await this.runs.byId(runId);
    if (run === null) return null;
    const lastSeq = await this.events.lastSeq(run._id);
    for (const call of takeoverUsage(run)) this.usage.recordOnce(call);
    if (lastSeq > 0) {
      const sent = Number((await this.cluster.redis.get(sentKey(runId))) ?? 0);
      if (sent < lastSeq) this.bus.restored(addressOf(run), await this.events.after(runId, sent, lastSeq - sent));
    }
    if (run.status !== 'queued' && run.status !== 'running') {
      await this.closeLog(run, lastSeq);
      return { run, ended: true };
    }
    if (run.status === 'queued') await this.runs.update(run._id, { status: 'running' });
    return { run, lastSeq, ended: false };
  }

  private async closeLog(run: RunRecord, lastSeq: number): Promise<void> {
    const [last] = lastSeq > 0 ? await this.events.after(run._id.toHexString(), lastSeq - 1, 1) : [];
    if (last !== undefined && FINAL_EVENTS.includes(last.type)) return;
    this.bus.open(addressOf(run), lastSeq);
    this.finisher.publishFinal(run);
    await this.bus.close(run._id.toHexString());
  }
}
