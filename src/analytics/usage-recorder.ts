import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppConfig } from '../config/app-config.js';
import { ShutdownDrains } from '../database/shutdown-drains.js';
import type { NormalizedUsage } from '../providers/provider.types.js';
import { bucketField, bucketOf } from './histogram.js';
import { RollupStore } from './rollup-store.js';
import { EXPIRING_ROLLUPS, type Increment, type Rollup } from './rollup.types.js';
import { UsageRepository } from './usage.repository.js';
import type { UsageRecord } from './usage.schema.js';

/** One model call, as every entry point reports it. */
export interface CallUsage {
  ownerId: string;
  /** The API key the call was made with (its spend and limits); null for calls of no key. */
  keyId?: string | null;
  sessionId?: string | null;
  threadId?: string | null;
  runId?: string | null;
  stepId?: string | null;
  role: string;
  strategy: string | null;
  provider: string;
  modelId: string;
  domain: string | null;
  usage: NormalizedUsage | null;
  /** Null: unknown. */
  costUsd: number | null;
  latencyMs: number;
  ttftMs: number | null;
  status: 'succeeded' | 'failed';
  errorClass: string | null;
  at?: Date;
  /** A fixed id (a run step's call), so that recording it again after a takeover finds it stored. */
  id?: Types.ObjectId;
}

/** How a run ended, for the orchestration numbers and the leaderboard. */
export interface RunOutcome {
  ownerId: string;
  strategy: string;
  status: string;
  domain: string | null;
  iterations: number;
  firstScore: number | null;
  finalScore: number | null;
  thresholdMet: boolean;
  costUsd: number;
  durationMs: number;
  endedAt: Date;
  /** The model(s) chosen to write first. */
  primaryModels: { modelId: string; provider: string }[];
  finalModel: { modelId: string; provider: string } | null;
  /** Every answer written (primary, refiner, proposer, aggregator), with its mean score if evaluated. */
  answers: { modelId: string; provider: string; score: number | null }[];
  /** Refinements: how much each raised (or lowered) the score of the answer it rewrote. */
  improvements: { modelId: string; provider: string; delta: number }[];
}

/** The UTC day a moment falls on, as midnight of that day. */
export const dayOf = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
const dayKey = (day: Date) => day.toISOString().slice(0, 10);

/** The writer of a single process, whose rollup ids carry no writer part (as they always have). */
export const LOCAL_WRITER = 'local';

/**
 * A rollup document's id: its key, and in a cluster the writer that owns it. Each process adds to
 * its own documents only (FerretDB loses concurrent updates of one document); reads sum them.
 */
function shardId(key: string[], writer: string): string {
  return (writer === LOCAL_WRITER ? key : [...key, `w:${writer}`]).join('|');
}

/** The stored form of one call. */
export function usageDocument(call: CallUsage, at: Date): UsageRecord {
  const u = call.usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
  return {
    _id: call.id ?? new Types.ObjectId(),
    ownerId: call.ownerId,
    keyId: call.keyId ?? null,
    sessionId: call.sessionId ? new Types.ObjectId(call.sessionId) : null,
    threadId: call.threadId ? new Types.ObjectId(call.threadId) : null,
    runId: call.runId ? new Types.ObjectId(call.runId) : null,
    stepId: call.stepId ?? null,
    role: call.role,
    strategy: call.strategy ?? 'none',
    provider: call.provider,
    modelId: call.modelId,
    domain: call.domain,
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cachedInputTokens: u.cachedInputTokens,
    reasoningTokens: u.reasoningTokens,
    costUsd: call.costUsd,
    latencyMs: call.latencyMs,
    ttftMs: call.ttftMs,
    status: call.status,
    errorClass: call.errorClass,
    at,
  };
}

/** The rollup increments of one call (the recorder merges them per document; the benchmark too). */
export function callIncrements(call: CallUsage, at: Date, writer = LOCAL_WRITER): Increment[] {
  const out: Increment[] = [];
  const add = (rollup: Rollup, key: string[], set: Record<string, unknown>, inc: Record<string, number>) =>
    out.push({ rollup, id: shardId(key, writer), set, inc });
  const u = call.usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
  const day = dayOf(at);
  const ok = call.status === 'succeeded';
  const counts: Record<string, number> = {
    'n.calls': 1,
    'n.successes': ok ? 1 : 0,
    'n.failures': ok ? 0 : 1,
    'n.inputTokens': u.inputTokens,
    'n.outputTokens': u.outputTokens,
    'n.cachedInputTokens': u.cachedInputTokens,
    'n.reasoningTokens': u.reasoningTokens,
    'n.costUsd': call.costUsd ?? 0,
    'n.unknownCostCalls': call.costUsd === null ? 1 : 0,
    'n.latencySumMs': call.latencyMs,
    'n.ttftSumMs': call.ttftMs ?? 0,
    'n.ttftCount': call.ttftMs === null ? 0 : 1,
    [`lat.${bucketField(bucketOf(call.latencyMs))}`]: 1,
  };
  if (call.ttftMs !== null) counts[`ttft.${bucketField(bucketOf(call.ttftMs))}`] = 1;
  if (!ok) counts[`fail.${call.errorClass ?? 'unknown'}`] = 1;
  const strategy = call.strategy ?? 'none';
  add(
    'usage',
    [dayKey(day), call.ownerId, call.provider, call.modelId, strategy],
    { day, ownerId: call.ownerId, provider: call.provider, modelId: call.modelId, strategy },
    counts,
  );
  if (call.sessionId) {
    add(
      'session',
      [dayKey(day), call.ownerId, call.sessionId],
      { day, ownerId: call.ownerId, sessionId: call.sessionId },
      counts,
    );
  }
  if (call.keyId) {
    add('key', [dayKey(day), call.ownerId, call.keyId], { day, ownerId: call.ownerId, keyId: call.keyId }, counts);
  }
  add(
    'model',
    [dayKey(day), call.ownerId, call.modelId, call.domain ?? 'general'],
    { day, ownerId: call.ownerId, provider: call.provider, modelId: call.modelId, domain: call.domain ?? 'general' },
    {
      'n.calls': 1,
      'n.successes': ok ? 1 : 0,
      'n.costUsd': call.costUsd ?? 0,
      'n.unknownCostCalls': call.costUsd === null ? 1 : 0,
      'n.latencySumMs': call.latencyMs,
      [`lat.${bucketField(bucketOf(call.latencyMs))}`]: 1,
    },
  );
  return out;
}

/** The rollup increments of one run's outcome. */
export function runIncrements(run: RunOutcome, writer = LOCAL_WRITER): Increment[] {
  const out: Increment[] = [];
  const add = (rollup: Rollup, key: string[], set: Record<string, unknown>, inc: Record<string, number>) =>
    out.push({ rollup, id: shardId(key, writer), set, inc });
  const day = dayOf(run.endedAt);
  const counts: Record<string, number> = {
    'n.runs': 1,
    'n.iterationsSum': run.iterations,
    'n.firstScoreSum': run.firstScore ?? 0,
    'n.firstScoreCount': run.firstScore === null ? 0 : 1,
    'n.finalScoreSum': run.finalScore ?? 0,
    'n.finalScoreCount': run.finalScore === null ? 0 : 1,
    'n.thresholdMet': run.thresholdMet ? 1 : 0,
    'n.costUsd': run.costUsd,
    'n.durationSumMs': run.durationMs,
    [`outcome.${run.status}`]: 1,
  };
  add('run', [dayKey(day), run.ownerId, run.strategy], { day, ownerId: run.ownerId, strategy: run.strategy }, counts);
  const domain = run.domain ?? 'general';
  const model = (m: { modelId: string; provider: string }, inc: Record<string, number>) =>
    add(
      'model',
      [dayKey(day), run.ownerId, m.modelId, domain],
      { day, ownerId: run.ownerId, provider: m.provider, modelId: m.modelId, domain },
      inc,
    );
  for (const m of run.primaryModels) model(m, { 'n.primaryChosen': 1 });
  if (run.finalModel !== null) model(run.finalModel, { 'n.finalAnswers': 1 });
  for (const a of run.answers) {
    model(a, a.score === null ? { 'n.answers': 1 } : { 'n.answers': 1, 'n.scoreSum': a.score, 'n.scoreCount': 1 });
  }
  for (const i of run.improvements) model(i, { 'n.improvementSum': i.delta, 'n.improvementCount': 1 });
  return out;
}

/** Adds an increment into a map of pending ones, one entry per rollup document. */
export function mergeIncrement(pending: Map<string, Increment>, increment: Increment): void {
  const key = `${increment.rollup}:${increment.id}`;
  const entry = pending.get(key) ?? { ...increment, inc: {} };
  for (const [field, value] of Object.entries(increment.inc))
    if (value !== 0) entry.inc[field] = (entry.inc[field] ?? 0) + value;
  pending.set(key, entry);
}

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
  private records: UsageRecord[] = [];
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
