import type { CallUsage, RunOutcome, ToolCallUsage } from './call-usage.js';
import { bucketField, bucketOf } from './histogram.js';
import type { Increment, Rollup } from './rollup.types.js';

/** The UTC day a moment falls on, as midnight of that day. */
export const dayOf = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
let lastDay = Number.NaN;
let lastDayKey = '';
/** `YYYY-MM-DD` of a day (the last one kept: nearly every call falls on the same day as the one before). */
function dayKey(day: Date): string {
  if (day.getTime() !== lastDay) {
    lastDay = day.getTime();
    lastDayKey = day.toISOString().slice(0, 10);
  }
  return lastDayKey;
}

/** The writer of a single process, whose rollup ids carry no writer part (as they always have). */
export const LOCAL_WRITER = 'local';

/**
 * A rollup document's id: its key, and in a cluster the writer that owns it. Each process adds to
 * its own documents only (FerretDB loses concurrent updates of one document); reads sum them.
 */
function shardId(key: string[], writer: string): string {
  return (writer === LOCAL_WRITER ? key : [...key, `w:${writer}`]).join('|');
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
    'n.cacheHits': call.cacheHit ? 1 : 0,
    'n.savedUsd': call.savedUsd ?? 0,
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

/** The rollup increment of one MCP tool call. */
export function toolIncrement(call: ToolCallUsage, writer = LOCAL_WRITER): Increment {
  const at = call.at ?? new Date();
  const day = dayOf(at);
  const inc: Record<string, number> = {
    'n.calls': 1,
    'n.errors': call.errorClass === null ? 0 : 1,
    'n.durationSumMs': call.durationMs,
    [`lat.${bucketField(bucketOf(call.durationMs))}`]: 1,
  };
  if (call.errorClass !== null) inc[`fail.${call.errorClass}`] = 1;
  return {
    rollup: 'tool',
    id: shardId([dayKey(day), call.ownerId, call.tool], writer),
    set: { day, ownerId: call.ownerId, tool: call.tool },
    inc,
  };
}

/** Adds an increment into a map of pending ones, one entry per rollup document. */
export function mergeIncrement(pending: Map<string, Increment>, increment: Increment): void {
  const key = `${increment.rollup}:${increment.id}`;
  let entry = pending.get(key);
  if (entry === undefined) {
    entry = { ...increment, inc: {} };
    pending.set(key, entry);
  }
  for (const field in increment.inc) {
    const value = increment.inc[field];
    if (value !== 0) entry.inc[field] = (entry.inc[field] ?? 0) + value;
  }
}
