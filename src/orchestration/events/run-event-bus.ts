import { Injectable, Logger } from '@nestjs/common';
import { isDuplicateKey } from '../../common/id-source.js';
import { AppConfig } from '../../config/app-config.js';
import { ShutdownDrains } from '../../database/shutdown-drains.js';
import { RunEventsRepository } from '../run-events.repository.js';
import { FINAL_EVENTS, type RunEvent, type RunEventPayloads, type RunEventType } from './run-events.js';

/** Where a run belongs, so relays can route its events to run, thread and session subscribers. */
export interface RunAddress {
  runId: string;
  ownerId: string;
  threadId: string;
  sessionId: string;
}

/** The Socket.IO rooms a run's events go to: its run, thread and session subscribers. */
export function roomsOf(address: RunAddress): string[] {
  return [`run:${address.runId}`, `thread:${address.threadId}`, `session:${address.sessionId}`];
}

export interface Published {
  event: RunEvent;
  address: RunAddress;
}

interface LiveRun {
  address: RunAddress;
  /** The seq the run had when it was opened here: the memory log starts after it. */
  base: number;
  seq: number;
  log: RunEvent[];
  pending: RunEvent[];
  writing: Promise<void> | null;
  ended: boolean;
}

/** How long a finished run's events stay in memory after they are stored (late subscribers read them there). */
const KEEP_AFTER_END_MS = 30_000;
const WRITE_RETRY_MS = 500;
/** Consecutive failed writes before a batch waits for the next event or the run's end. */
const WRITE_ATTEMPTS = 10;

/**
 * The in-process bus between the engine and whoever relays its events (the Socket.IO gateway, SSE
 * responses; in a cluster's API process, the events of runs on workers too). It numbers each run's events 1, 2, 3…, keeps a live run's log in memory, and writes
 * the log to the database in batches, retrying while the database refuses.
 */
@Injectable()
export class RunEventBus {
  private readonly logger = new Logger(RunEventBus.name);
  private readonly runs = new Map<string, LiveRun>();
  private readonly listeners = new Set<(published: Published) => void>();
  private readonly storedListeners = new Set<(published: Published) => void>();
  /**
   * True in a cluster's API process: its listeners also hear other processes' runs (relayed by the
   * `ClusterEventFeed`), so a run that is not live here may still be going elsewhere.
   */
  readonly hearsOthers: boolean;

  constructor(
    private readonly store: RunEventsRepository,
    drains: ShutdownDrains,
    config: AppConfig,
  ) {
    this.hearsOthers = config.cluster !== null && config.processRole === 'api';
    drains.register('run events', () => this.drainAll());
  }

  /** Starts a run's sequence after `lastSeq` (0 for a new run). */
  open(address: RunAddress, lastSeq = 0): void {
    this.runs.set(address.runId, {
      address,
      base: lastSeq,
      seq: lastSeq,
      log: [],
      pending: [],
      writing: null,
      ended: false,
    });
  }

  publish<K extends RunEventType>(runId: string, type: K, data: RunEventPayloads[K]): RunEvent<K> {
    const run = this.runs.get(runId);
    if (run === undefined || run.ended) throw new Error(`run ${runId} is not open for events`);
    run.seq += 1;
    const typed = { type, runId, seq: run.seq, at: new Date().toISOString(), data } as RunEvent<K>;
    const event = typed as RunEvent;
    run.log.push(event);
    run.pending.push(event);
    if (FINAL_EVENTS.includes(type)) run.ended = true;
    this.scheduleWrite(run);
    this.tell(this.listeners, { event, address: run.address });
    return typed;
  }

  private tell(listeners: Set<(published: Published) => void>, published: Published): void {
    for (const listener of listeners) {
      try {
        listener(published);
      } catch (error) {
        this.logger.error(`An event listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /**
   * Hears every event as it is published here, synchronously, and (in a cluster) every event that
   * another process published, as it arrives. Returns the way to stop.
   */
  listen(listener: (published: Published) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears each event published here once it is stored, in order (a cluster broadcasts it then). */
  listenStored(listener: (published: Published) => void): () => void {
    this.storedListeners.add(listener);
    return () => this.storedListeners.delete(listener);
  }

  /** Stored events of a run taken over that its dead worker had not broadcast: to the stored listeners again. */
  restored(address: RunAddress, events: RunEvent[]): void {
    for (const event of events) this.tell(this.storedListeners, { event, address });
  }

  /** An event another process published (and stored), for this process's listeners. */
  relay(published: Published): void {
    if (this.runs.has(published.event.runId)) return; // published here: heard already
    this.tell(this.listeners, published);
  }

  /**
   * The events after `afterSeq` of a run held in memory, or undefined when memory does not hold
   * them all (the run is not here, or was reopened after a restart): read the store then.
   */
  liveEvents(runId: string, afterSeq: number): RunEvent[] | undefined {
    const run = this.runs.get(runId);
    if (run === undefined || afterSeq < run.base) return undefined;
    return run.log.filter((e) => e.seq > afterSeq);
  }

  /** True while the run can still publish. */
  isLive(runId: string): boolean {
    const run = this.runs.get(runId);
    return run !== undefined && !run.ended;
  }

  async eventsAfter(runId: string, afterSeq: number, limit = 1000): Promise<RunEvent[]> {
    const live = this.liveEvents(runId, afterSeq);
    if (live !== undefined) return live.slice(0, limit);
    const stored = await this.store.after(runId, afterSeq, limit);
    // Events published here but not stored yet follow the stored ones.
    const lastStored = stored.at(-1)?.seq ?? afterSeq;
    const unstored = this.runs.get(runId)?.log.filter((e) => e.seq > lastStored) ?? [];
    return [...stored, ...unstored].slice(0, limit);
  }

  /**
   * Forgets a run's events not stored yet and the run with them (its job goes back to the queue:
   * the next attempt numbers its events after the stored ones; these were never sent).
   */
  discard(runId: string): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    run.pending.length = 0;
    run.ended = true;
    this.runs.delete(runId);
  }

  /** Waits until every event of the run is stored, then lets its memory go a little later. */
  async close(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    run.ended = true;
    await this.drain(run);
    setTimeout(() => {
      if (this.runs.get(runId) === run) this.runs.delete(runId);
    }, KEEP_AFTER_END_MS).unref();
  }

  private async drainAll(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => this.drain(run)));
  }

  private scheduleWrite(run: LiveRun): void {
    run.writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.write(run));
  }

  private async write(run: LiveRun): Promise<void> {
    let failures = 0;
    while (run.pending.length > 0 && failures < WRITE_ATTEMPTS) {
      const batch = run.pending.splice(0, run.pending.length);
      try {
        await this.store.insertMany(batch);
        failures = 0;
        this.stored(run, batch);
      } catch (error) {
        if (isDuplicateKey(error)) {
          this.stored(run, batch); // an earlier try stored some of them after all; the others are in now
          continue;
        }
        run.pending.unshift(...batch);
        failures += 1;
        this.logger.warn(
          `Storing ${batch.length} events of run ${run.address.runId} failed (${error instanceof Error ? error.message : String(error)}); retrying`,
        );
        await new Promise((r) => setTimeout(r, WRITE_RETRY_MS));
      }
    }
    if (run.pending.length > 0) {
      this.logger.error(`${run.pending.length} events of run ${run.address.runId} are not stored yet; kept in memory`);
    }
    run.writing = null;
  }

  private stored(run: LiveRun, batch: RunEvent[]): void {
    if (this.storedListeners.size === 0) return;
    for (const event of batch) this.tell(this.storedListeners, { event, address: run.address });
  }

  /** Writes what is pending, a bounded number of times (the database may be down for good). */
  private async drain(run: LiveRun): Promise<void> {
    for (let round = 0; round < 3 && (run.writing !== null || run.pending.length > 0); round += 1) {
      this.scheduleWrite(run);
      await run.writing;
    }
  }
}
