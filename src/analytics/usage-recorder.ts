import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Types } from 'mongoose';
import { AppConfig } from '../config/app-config.js';
import { ShutdownDrains } from '../database/shutdown-drains.js';
import type { CallUsage, RunOutcome, ToolCallUsage } from './call-usage.js';
import { callIncrements, dayOf, mergeIncrement, runIncrements, toolIncrement } from './rollup-increments.js';
import { RollupStore } from './rollup-store.js';
import { EXPIRING_ROLLUPS, type Increment } from './rollup.types.js';
import { UsageRepository } from './usage.repository.js';
import { usageDocument, type StoredUsageRecord } from './usage-document.js';

export type RecorderOptions = AppConfig['usage'];

/**
 * Usage records and rollups, written off the request path: buffered, flushed in batches by size
 * and by interval and at shutdown. A batch the database refuses is kept and retried; the buffer
 * is bounded, and what it has to drop is counted and logged, never dropped silently. Rollup
 * increments are merged per document in memory and written one document at a time.
 */
@Injectable()
export class UsageRecorder implements OnModuleInit {
  private readonly logger = new Logger(UsageRecorder.name);
  private records: StoredUsageRecord[] = [];
  /** Calls to record under a fixed id unless already stored (see recordOnce). */
  private once: (CallUsage & { id: Types.ObjectId })[] = [];
  private pending = new Map<string, Increment>();
  private flushing: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  /** Raw records dropped because the buffer was full (their rollup increments were kept). */
  dropped = 0;
  /** Records a flush has in hand (counted against the buffer's bound until they are written). */
  private writing = 0;
  readonly options: RecorderOptions;
  private readonly writer: string;
  private readonly listeners = new Set<(call: CallUsage) => void>();
  private readonly runListeners = new Set<(run: RunOutcome) => void>();

  constructor(
    private readonly repository: UsageRepository,
    config: AppConfig,
    drains: ShutdownDrains,
    private readonly store: RollupStore,
  ) {
    this.options = config.usage;
    this.writer = config.writerId;
    drains.register('usage', () => this.drain());
  }

  onModuleInit(): void {
    this.timers.push(setInterval(() => void this.flush(), this.options.flushIntervalMs).unref());
    this.timers.push(setInterval(() => void this.removeExpired(), 60 * 60_000).unref());
  }

  /** Records waiting to be written. */
  get depth(): number {
    return this.records.length;
  }

  /** Hears every call recorded (metrics). */
  onCall(listener: (call: CallUsage) => void): void {
    this.listeners.add(listener);
  }

  /** Hears every run outcome recorded (metrics). */
  onRun(listener: (run: RunOutcome) => void): void {
    this.runListeners.add(listener);
  }

  record(call: CallUsage): void {
    const at = call.at ?? new Date();
    this.records.push(usageDocument(call, at));

    for (const increment of callIncrements(call, at, this.writer)) this.add(increment);
    for (const listener of this.listeners) listener(call);
    if (this.records.length >= this.options.batchSize) void this.flush();
    this.bound();
  }

  /** Counts one MCP tool call in the tool rollups (written with the next flush). */
  recordTool(call: ToolCallUsage): void {
    this.add(toolIncrement(call, this.writer));
  }

  recordRun(run: RunOutcome): void {
    for (const increment of runIncrements(run, this.writer)) this.add(increment);
    for (const listener of this.runListeners) listener(run);
  }

  /**
   * Records a call that an earlier process may have recorded already (a step of a run taken over
   * from a dead worker): on the next flush it is written under its fixed id, and counted only if it
   * was not there. A write the database refuses is tried again on the flush after.
   */
  recordOnce(call: CallUsage & { id: Types.ObjectId }): void {
    this.once.push({ ...call, at: call.at ?? new Date() });
    void this.flush();
  }

  /** Writes the calls recorded once, before the rollups of this flush: their counts go with them. */
  private async writeOnce(): Promise<void> {
    while (this.once.length > 0) {
      const call = this.once[0];
      // A refusal throws: the call stays at the head for the next flush.
      if (await this.repository.insertRecords([usageDocument(call, call.at as Date)])) {
        for (const increment of callIncrements(call, call.at as Date, this.writer)) this.add(increment);
        for (const listener of this.listeners) listener(call);
      }
      this.once.shift();
    }
  }

  private add(increment: Increment): void {
    mergeIncrement(this.pending, increment);
  }

  /** Holds the buffer, with the batch a flush has in hand, to USAGE_BUFFER_MAX: the oldest waiting go. */
  private bound(): void {
    const over = Math.min(this.records.length, this.records.length + this.writing - this.options.maxBuffered);
    if (over <= 0) return;
    this.records.splice(0, over);
    this.dropped += over;
    this.logger.error(
      `Usage buffer full (${this.options.maxBuffered}): dropped ${over} raw records (${this.dropped} so far); their rollups are kept`,
    );
  }

  /** Writes what is buffered; one flush at a time (a call during one joins it, and may miss what came after it began). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Resolves once a flush that began after this call has ended: what was recorded before is written, or kept after a refusal. */
  async written(): Promise<void> {
    await this.flushing;
    await this.flush();
  }

  private async write(): Promise<void> {
    // The in-memory copy of the rollups must be loaded before increments are applied to it.
    await this.store.whenLoaded();
    try {
      await this.writeOnce();
    } catch (error) {
      this.logger.warn(
        `Writing ${this.once.length} usage records of a run taken over failed (${error instanceof Error ? error.message : String(error)}); kept for the next try`,
      );
    }
    const records = this.records;
    const pending = this.pending;
    if (records.length === 0 && pending.size === 0) return;
    this.records = [];
    this.pending = new Map();
    this.writing = records.length;
    try {
      // Rollups first, then the raw records: a worker taking over a run records its steps' calls
      // again under their ids (recordOnce), counting those not stored; a stored record must mean
      // its counts are in too.
      for (const [key, entry] of pending) {
        await this.repository.increment(entry);
        pending.delete(key);
        this.store.apply(entry);
      }
      if (records.length > 0) await this.repository.insertRecords(records); // a retry: some may be stored
      records.length = 0;
      this.writing = 0;
    } catch (error) {
      // Keep what was not written, ahead of what came meanwhile, and try again on the next flush.
      this.writing = 0;
      this.records = [...records, ...this.records];
      for (const [key, entry] of this.pending) {
        const kept = pending.get(key);
        if (kept === undefined) pending.set(key, entry);
        else for (const [field, value] of Object.entries(entry.inc)) kept.inc[field] = (kept.inc[field] ?? 0) + value;
      }
      this.pending = pending;
      this.bound();
      this.logger.warn(
        `Writing usage failed (${error instanceof Error ? error.message : String(error)}); ${this.records.length} records kept for the next try`,
      );
    }
  }

  /** At shutdown: a few tries to write everything. */
  private async drain(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    // A flush under way holds its batch outside the buffer: wait for it (a refusal puts the batch
    // back), or the connection would close under it and what it held be lost.
    await this.flushing;
    const left = () => this.records.length + this.once.length > 0 || this.pending.size > 0;
    for (let attempt = 0; attempt < 5 && left(); attempt += 1) {
      await this.flush();
      if (left()) await new Promise((r) => setTimeout(r, 500));
    }
    if (left()) {
      this.logger.error(`Shutting down with ${this.records.length + this.once.length} usage records not written`);
    }
  }

  /**
   * Raw records older than USAGE_RETENTION_DAYS go, and rollups of days before
   * ROLLUP_RETENTION_DAYS (but a key's: its total spend). Returns how many documents went.
   */
  async removeExpired(now = new Date()): Promise<number> {
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
    try {
      const rollupCutoff = dayOf(daysAgo(this.options.rollupRetentionDays));
      const rollups = await this.repository.removeRollupsBefore(EXPIRING_ROLLUPS, rollupCutoff);
      this.store.forgetBefore(rollupCutoff, EXPIRING_ROLLUPS);
      return rollups + (await this.repository.removeRecordsBefore(daysAgo(this.options.retentionDays)));
    } catch (error) {
      this.logger.warn(`Removing expired usage failed: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    }
  }
}
