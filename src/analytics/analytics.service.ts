import { ForbiddenException, Injectable } from '@nestjs/common';
import { providerOf } from '../common/model-id.js';
import { parseDateOrDateTime } from '../common/date-or-date-time.js';
import type { Principal } from '../auth/principal.js';
import type { ObservedStats } from './observed-stats.js';
import { ERROR_CLASSES } from '../providers/provider.error.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type {
  CostLineDto,
  CostReportDto,
  LeaderboardDto,
  ModelsQueryDto,
  OrchestrationReportDto,
  ToolReportDto,
  RangeQueryDto,
  SessionUsageDto,
  UsageGroupDto,
  UsageQueryDto,
  UsageReportDto,
} from './dto/analytics.dto.js';
import { BUCKETS, bucketField, quantile } from './histogram.js';
import { RollupStore } from './rollup-store.js';
import type { Rollup, RollupFilter } from './rollup.types.js';
import { dayOf } from './rollup-increments.js';
import { UsageRepository } from './usage.repository.js';

const FAILURE_CLASSES = [...ERROR_CLASSES, 'invalid_evaluation'];
const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'budget_exceeded', 'interrupted'];

type Row = Record<string, number> & { _id: unknown };

/** The counter groups a call rollup keeps (see usage.schema.ts). */
const CALL_PREFIXES = ['n', 'fail', 'lat', 'ttft'];
const BUCKET_FIELDS = Array.from({ length: BUCKETS }, (_, i) => bucketField(i));
const histogram = (row: Row, prefix: string) => BUCKET_FIELDS.map((f) => row[`${prefix}_${f}`] ?? 0);
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
const round = (n: number | null, digits = 3) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

function usageGroup(key: string, row: Row): UsageGroupDto {
  const n = (f: string) => row[`n_${f}`] ?? 0;
  const lat = histogram(row, 'lat');
  const failuresByClass: Record<string, number> = {};
  for (const c of FAILURE_CLASSES) if ((row[`fail_${c}`] ?? 0) > 0) failuresByClass[c] = row[`fail_${c}`];
  return {
    key,
    calls: n('calls'),
    successes: n('successes'),
    failures: n('failures'),
    failuresByClass,
    errorRate: ratio(n('failures'), n('calls')) ?? 0,
    inputTokens: n('inputTokens'),
    outputTokens: n('outputTokens'),
    cachedInputTokens: n('cachedInputTokens'),
    reasoningTokens: n('reasoningTokens'),
    costUsd: n('costUsd'),
    unknownCostCalls: n('unknownCostCalls'),
    latencyMs: {
      mean: round(ratio(n('latencySumMs'), n('calls')), 1),
      p50: round(quantile(lat, 0.5), 1),
      p95: round(quantile(lat, 0.95), 1),
      p99: round(quantile(lat, 0.99), 1),
    },
    meanTimeToFirstTokenMs: round(ratio(n('ttftSumMs'), n('ttftCount')), 1),
  };
}

const keyOf = (id: unknown) => (id instanceof Date ? id.toISOString().slice(0, 10) : String(id));

/** The numbers behind /api/analytics, summed from the daily rollups (in memory, or read from the database). */
@Injectable()
export class AnalyticsService {
  private observedCache: { until: number; stats: Map<string, ObservedStats> } | null = null;

  constructor(
    private readonly repository: UsageRepository,
    private readonly sessions: SessionsService,
    private readonly store: RollupStore,
  ) {}

  /** The days and owner a query covers. */
  private scope(principal: Principal, query: RangeQueryDto): { match: RollupFilter; from: string; to: string } {
    const to = dayOf(query.to === undefined ? new Date() : parseDateOrDateTime(query.to));
    const from =
      query.from === undefined ? new Date(to.getTime() - 29 * 86_400_000) : dayOf(parseDateOrDateTime(query.from));
    // from after to: a range with no day in it, answered with nothing in it.
    const match: RollupFilter = { from, to };
    if (principal.role !== 'admin' && query.ownerId !== undefined && query.ownerId !== principal.ownerId) {
      throw new ForbiddenException('ownerId: a user key sees only its own owner; leave ownerId out');
    }
    if (principal.role !== 'admin') match.ownerId = principal.ownerId;
    else if (query.ownerId !== undefined) match.ownerId = query.ownerId;
    return { match, from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
  }

  /**
   * Sums the counters (under `prefixes`) of the rollup documents `match` selects, grouped by the
   * field `by`. The summing happens here, not in a `$group`: FerretDB 1.24 computes only the first
   * accumulator of a `$group` and leaves the others at 0 (FerretDB issue #4616, measured here too).
   * The documents are daily rollups, so a range reads a few per day and group.
   */
  private async group(rollup: Rollup, filter: RollupFilter, by: string | null, prefixes: string[]): Promise<Row[]> {
    const docs =
      this.store.find(rollup, filter) ??
      (await this.repository.findRollups(rollup, filter, [...prefixes, ...(by === null ? [] : [by])]));
    const groups = new Map<string, Row>();
    for (const doc of docs) {
      const id = by === null ? null : doc[by];
      const key = id instanceof Date ? id.toISOString() : String(id);
      let row = groups.get(key);
      if (row === undefined) {
        row = { _id: id } as Row;
        groups.set(key, row);
      }
      for (const prefix of prefixes) {
        for (const [field, value] of Object.entries((doc[prefix] ?? {}) as Record<string, number>)) {
          const name = `${prefix}_${field}`;
          row[name] = (row[name] ?? 0) + value;
        }
      }
    }
    return [...groups.values()];
  }

  async usage(principal: Principal, query: UsageQueryDto): Promise<UsageReportDto> {
    const { match, from, to } = this.scope(principal, query);
    const field = {
      day: 'day',
      provider: 'provider',
      model: 'modelId',
      session: 'sessionId',
      strategy: 'strategy',
      key: 'keyId',
    }[query.groupBy];
    const rollup = query.groupBy === 'session' || query.groupBy === 'key' ? query.groupBy : 'usage';
    const rows = await this.group(rollup, match, field, CALL_PREFIXES);
    const groups = rows.map((row) => usageGroup(keyOf(row._id), row));
    groups.sort((a, b) =>
      query.groupBy === 'day' ? a.key.localeCompare(b.key) : b.calls - a.calls || a.key.localeCompare(b.key),
    );
    return { from, to, groupBy: query.groupBy, groups };
  }

  async costs(principal: Principal, query: RangeQueryDto): Promise<CostReportDto> {
    const { match, from, to } = this.scope(principal, query);
    const accumulators = ['n'];
    const lines = (rows: Row[]): CostLineDto[] =>
      rows
        .map((r) => ({
          key: keyOf(r._id),
          calls: r.n_calls ?? 0,
          costUsd: r.n_costUsd ?? 0,
          unknownCostCalls: r.n_unknownCostCalls ?? 0,
          cacheHits: r.n_cacheHits ?? 0,
          savedUsd: r.n_savedUsd ?? 0,
        }))
        .sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
    const [byProvider, byModel, bySession, byKey] = await Promise.all([
      this.group('usage', match, 'provider', accumulators).then(lines),
      this.group('usage', match, 'modelId', accumulators).then(lines),
      this.group('session', match, 'sessionId', accumulators).then(lines),
      this.group('key', match, 'keyId', accumulators).then(lines),
    ]);
    const total = (f: 'calls' | 'costUsd' | 'unknownCostCalls' | 'cacheHits' | 'savedUsd') =>
      byProvider.reduce((sum, l) => sum + l[f], 0);
    return {
      from,
      to,
      totalUsd: total('costUsd'),
      calls: total('calls'),
      unknownCostCalls: total('unknownCostCalls'),
      cacheHits: total('cacheHits'),
      savedUsd: total('savedUsd'),
      byProvider,
      byModel,
      bySession,
      byKey,
    };
  }

  async models(principal: Principal, query: ModelsQueryDto): Promise<LeaderboardDto> {
    const { match, from, to } = this.scope(principal, query);
    if (query.domain !== undefined) match.domain = query.domain;
    const rows = await this.group('model', match, 'modelId', ['n', 'lat']);
    const models = rows.map((row) => {
      const n = (f: string) => row[`n_${f}`] ?? 0;
      const modelId = keyOf(row._id);
      return {
        modelId,
        provider: providerOf(modelId),
        calls: n('calls'),
        chosenAsPrimary: n('primaryChosen'),
        meanScore: round(ratio(n('scoreSum'), n('scoreCount')), 2),
        scoredAnswers: n('scoreCount'),
        answers: n('answers'),
        finalAnswers: n('finalAnswers'),
        finalRate: round(ratio(n('finalAnswers'), n('answers'))),
        meanImprovement: round(ratio(n('improvementSum'), n('improvementCount')), 2),
        successRate: round(ratio(n('successes'), n('calls'))),
        p50LatencyMs: round(quantile(histogram(row, 'lat'), 0.5), 1),
        costUsd: n('costUsd'),
      };
    });
    models.sort(
      (a, b) => (b.meanScore ?? -1) - (a.meanScore ?? -1) || b.calls - a.calls || a.modelId.localeCompare(b.modelId),
    );
    return { from, to, domain: query.domain ?? null, models };
  }

  async orchestration(principal: Principal, query: RangeQueryDto): Promise<OrchestrationReportDto> {
    const { match, from, to } = this.scope(principal, query);
    const rows = await this.group('run', match, 'strategy', ['n', 'outcome']);
    const strategies = rows
      .map((row) => {
        const n = (f: string) => row[`n_${f}`] ?? 0;
        const runs = n('runs');
        return {
          strategy: keyOf(row._id),
          runs,
          outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, row[`outcome_${o}`] ?? 0])),
          meanIterations: round(ratio(n('iterationsSum'), runs), 2),
          meanFirstScore: round(ratio(n('firstScoreSum'), n('firstScoreCount')), 2),
          meanFinalScore: round(ratio(n('finalScoreSum'), n('finalScoreCount')), 2),
          thresholdMetRate: round(ratio(n('thresholdMet'), runs)),
          meanCostUsd: ratio(n('costUsd'), runs),
          meanLatencyMs: round(ratio(n('durationSumMs'), runs), 1),
        };
      })
      .sort((a, b) => a.strategy.localeCompare(b.strategy));
    return { from, to, strategies };
  }

  /** Per MCP tool (runs' tool loops and the gateway's): calls, errors by class, durations. */
  async tools(principal: Principal, query: RangeQueryDto): Promise<ToolReportDto> {
    const { match, from, to } = this.scope(principal, query);
    const rows = await this.group('tool', match, 'tool', ['n', 'fail', 'lat']);
    const tools = rows.map((row) => {
      const n = (f: string) => row[`n_${f}`] ?? 0;
      const lat = histogram(row, 'lat');
      const errorsByClass: Record<string, number> = {};
      for (const [field, value] of Object.entries(row)) {
        if (field.startsWith('fail_') && typeof value === 'number' && value > 0) errorsByClass[field.slice(5)] = value;
      }
      return {
        tool: keyOf(row._id),
        calls: n('calls'),
        errors: n('errors'),
        errorRate: ratio(n('errors'), n('calls')) ?? 0,
        errorsByClass,
        durationMs: {
          mean: round(ratio(n('durationSumMs'), n('calls')), 1),
          p50: round(quantile(lat, 0.5), 1),
          p95: round(quantile(lat, 0.95), 1),
          p99: round(quantile(lat, 0.99), 1),
        },
      };
    });
    tools.sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool));
    return { from, to, tools };
  }

  /**
   * What every model has been seen to do over the last 30 days, across owners: the selection's
   * evidence beyond the catalogue's priors. Cached for a minute.
   */
  async observed(): Promise<Map<string, ObservedStats>> {
    if (this.observedCache !== null && this.observedCache.until > Date.now()) return this.observedCache.stats;
    const since = new Date(Date.now() - 30 * 86_400_000);
    const rows = await this.group('model', { from: since }, 'modelId', ['n', 'lat']);
    const stats = new Map<string, ObservedStats>();
    for (const row of rows) {
      const n = (f: string) => row[`n_${f}`] ?? 0;
      if (n('calls') === 0) continue;
      stats.set(keyOf(row._id), {
        calls: n('calls'),
        meanScore: ratio(n('scoreSum'), n('scoreCount')),
        successRate: n('successes') / n('calls'),
        p50LatencyMs: quantile(histogram(row, 'lat'), 0.5),
      });
    }
    this.observedCache = { until: Date.now() + 60_000, stats };
    return stats;
  }

  /** One session's totals over its whole life (owner-checked like every session route). */
  async session(principal: Principal, sessionId: string): Promise<SessionUsageDto> {
    await this.sessions.requireOwned(principal, sessionId);
    const rows = await this.group('session', { sessionId }, null, CALL_PREFIXES);
    return usageGroup(sessionId, rows[0] ?? { _id: sessionId });
  }
}
