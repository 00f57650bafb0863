import { UsageRecorder } from '../src/analytics/usage-recorder.js';
import { simulatorProviderEnvironment } from '../src/config/providers.config.js';
import { describeWithFerretDb, OwnFerretDb } from './support/ferretdb.js';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY, startApp } from './support/app.js';
import { auth, createSession, createUserKey } from './support/factories.js';
import { startSimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PINNED = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The true q-quantile of values (nearest rank), as the histogram estimates it. */
function nearestRank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1];
}

describe.each([
  ['from the in-memory copy of the rollups', 'true'],
  ['from the database', 'false'],
])('usage analytics (/api/analytics), %s', (_how, cache) => {
  let env: Awaited<ReturnType<typeof startSimulatedApp>>;
  let a: { key: string; ownerId: string };
  let b: { key: string; ownerId: string };
  let sessionA: string;
  let sessionB: string;
  const runs: Json[] = [];

  const run = async (key: string, body: Json): Promise<Json> => {
    const res = await env.t.http().post('/api/orchestrate?wait=true').set(auth(key)).send(body).expect(200);
    return res.body as Json;
  };
  const get = async (key: string, path: string): Promise<Json> =>
    (await env.t.http().get(path).set(auth(key)).expect(200)).body as Json;

  beforeAll(async () => {
    env = await startSimulatedApp({ USAGE_FLUSH_INTERVAL_MS: '60000', ANALYTICS_CACHE: cache });
    a = await createUserKey(env.t, 'a');
    b = await createUserKey(env.t, 'b');
    sessionA = (await createSession(env.t, a.key)).id;
    sessionB = (await createSession(env.t, b.key)).id;
    env.sim.configure('*', { ttftMs: 3, tokenMs: 1, cachedInputTokens: 5 });

    env.sim.queueScores('*', [6, 6, 9, 9]);
    runs.push(
      await run(a.key, {
        sessionId: sessionA,
        prompt: 'Explain step by step why ice floats',
        models: PINNED,
        qualityThreshold: 8,
      }),
    );
    runs.push(
      await run(a.key, { sessionId: sessionA, prompt: 'Write a haiku about rain', strategy: 'route', models: PINNED }),
    );
    runs.push(
      await run(a.key, { sessionId: sessionA, prompt: 'Say hello', strategy: 'route', models: ['alibaba/qwen-plus'] }),
    );
    env.sim.injectFault('gpt-5.4-mini', { type: '401' }, 1);
    runs.push(
      await run(a.key, {
        sessionId: sessionA,
        prompt: 'Write a Python function to add numbers',
        strategy: 'route',
        models: ['openai/gpt-5.4-mini'],
      }),
    );
    runs.push(
      await run(b.key, {
        sessionId: sessionB,
        prompt: 'What is the capital of Peru?',
        strategy: 'route',
        models: PINNED,
      }),
    );
    await env.t.app.get(UsageRecorder).flush();
  });
  afterAll(() => env.close());

  const stepsOf = (owner: 'a' | 'b') =>
    runs.filter((r) => r.sessionId === (owner === 'a' ? sessionA : sessionB)).flatMap((r) => r.steps as Json[]);

  it('should count calls, tokens and cost per model exactly as the runs recorded them', async () => {
    const steps = stepsOf('a');
    const report = await get(a.key, '/api/analytics/usage?groupBy=model');
    const byModel = new Map((report.groups as Json[]).map((g) => [g.key, g]));
    const models = [...new Set(steps.map((s) => s.modelId as string))];
    expect([...byModel.keys()].sort()).toEqual(models.sort());
    for (const model of models) {
      const own = steps.filter((s) => s.modelId === model);
      const group = byModel.get(model)!;
      expect(group.calls).toBe(own.length);
      expect(group.failures).toBe(own.filter((s) => s.status === 'failed').length);
      expect(group.inputTokens).toBe(sum(own.map((s) => s.usage?.inputTokens ?? 0)));
      expect(group.outputTokens).toBe(sum(own.map((s) => s.usage?.outputTokens ?? 0)));
      expect(group.cachedInputTokens).toBe(sum(own.map((s) => s.usage?.cachedInputTokens ?? 0)));
      expect(group.costUsd).toBeCloseTo(sum(own.map((s) => s.costUsd ?? 0)), 10);
      expect(group.unknownCostCalls).toBe(own.filter((s) => s.costUsd === null).length);
      expect(group.latencyMs.mean).toBeCloseTo(sum(own.map((s) => s.latencyMs)) / own.length, 0);
    }
    expect(byModel.get('openai/gpt-5.4-mini')!.failuresByClass).toEqual({ auth: 1 });
    expect(env.t.logs.some((l) => l.includes('Analytics rollups loaded in memory'))).toBe(cache === 'true');
  });

  it('should give latency percentiles within one bucket of the true values', async () => {
    const latencies = stepsOf('a').map((s) => s.latencyMs as number);
    // The UTC day the calls ended on (not the clock now: the runs may have ended before midnight).
    const days = [...new Set(stepsOf('a').map((s) => new Date(s.endedAt as string).toISOString().slice(0, 10)))];
    expect(days).toHaveLength(1);
    const [day] = (await get(a.key, '/api/analytics/usage?groupBy=day')).groups as Json[];
    expect(day.key).toBe(days[0]);
    expect(day.calls).toBe(latencies.length);
    // Buckets grow by 1.5×: a percentile read from them is within a factor of 1.5 of the true value.
    for (const [q, field] of [
      [0.5, 'p50'],
      [0.95, 'p95'],
      [0.99, 'p99'],
    ] as const) {
      const truth = nearestRank(latencies, q);
      expect(day.latencyMs[field]).toBeGreaterThanOrEqual(truth / 1.5 - 0.05);
      expect(day.latencyMs[field]).toBeLessThanOrEqual(Math.max(1, truth * 1.5) + 0.05);
    }
    const ttfts = stepsOf('a')
      .filter((s) => s.timeToFirstTokenMs !== null)
      .map((s) => s.timeToFirstTokenMs as number);
    expect(day.meanTimeToFirstTokenMs).toBeCloseTo(sum(ttfts) / ttfts.length, 0);
  });

  it('should group by provider, strategy and session', async () => {
    const steps = stepsOf('a');
    const providers = (await get(a.key, '/api/analytics/usage?groupBy=provider')).groups as Json[];
    expect(sum(providers.map((g) => g.calls))).toBe(steps.length);
    expect(providers.find((g) => g.key === 'alibaba')?.calls).toBe(1);
    const strategies = (await get(a.key, '/api/analytics/usage?groupBy=strategy')).groups as Json[];
    expect(Object.fromEntries(strategies.map((g) => [g.key, g.calls]))).toEqual({
      improve: runs[0].steps.length,
      route: runs[1].steps.length + runs[2].steps.length + runs[3].steps.length,
    });
    const sessions = (await get(a.key, '/api/analytics/usage?groupBy=session')).groups as Json[];
    expect(sessions.map((g) => [g.key, g.calls])).toEqual([[sessionA, steps.length]]);
  });

  it('should total the costs by provider, model and session, counting unknown prices apart', async () => {
    const steps = stepsOf('a');
    const costs = await get(a.key, '/api/analytics/costs');
    expect(costs.totalUsd).toBeCloseTo(sum(steps.map((s) => s.costUsd ?? 0)), 10);
    expect(costs.totalUsd).toBeCloseTo(sum(runs.slice(0, 4).map((r) => r.totals.costUsd)), 10);
    expect(costs.calls).toBe(steps.length);
    expect(costs.unknownCostCalls).toBe(1);
    expect(costs.byProvider.find((l: Json) => l.key === 'alibaba')).toEqual({
      key: 'alibaba',
      calls: 1,
      costUsd: 0,
      unknownCostCalls: 1,
      cacheHits: 0,
      savedUsd: 0,
    });
    expect(costs.bySession).toEqual([
      {
        key: sessionA,
        calls: steps.length,
        costUsd: expect.any(Number),
        unknownCostCalls: 1,
        cacheHits: 0,
        savedUsd: 0,
      },
    ]);
    expect(costs.bySession[0].costUsd).toBeCloseTo(costs.totalUsd, 12);
    const session = await get(a.key, `/api/analytics/sessions/${sessionA}`);
    expect(session).toMatchObject({ key: sessionA, calls: steps.length, unknownCostCalls: 1 });
    expect(session.costUsd).toBeCloseTo(costs.totalUsd, 10);
  });

  it('should rank models with the scores their answers received and how often they won', async () => {
    const improve = runs[0];
    const primary = improve.team.primary[0] as string;
    const board = await get(a.key, '/api/analytics/models?domain=reasoning');
    expect(board.domain).toBe('reasoning');
    const row = (board.models as Json[]).find((m) => m.modelId === primary)!;
    // Its first answer scored 6, its refinement 9: mean 7.5, one improvement of +3, the final answer its.
    expect(row).toMatchObject({
      chosenAsPrimary: 1,
      scoredAnswers: 2,
      meanScore: 7.5,
      meanImprovement: 3,
      finalAnswers: 1,
      answers: 2,
      finalRate: 0.5,
    });
    const all = await get(a.key, '/api/analytics/models');
    expect((all.models as Json[]).find((m) => m.modelId === 'openai/gpt-5.4-mini')!.successRate).toBeLessThan(1);
  });

  it('should report each strategy: runs, outcomes, iterations, scores, threshold rate, cost', async () => {
    const report = await get(a.key, '/api/analytics/orchestration');
    const byStrategy = Object.fromEntries((report.strategies as Json[]).map((s) => [s.strategy, s]));
    expect(byStrategy.improve).toMatchObject({
      runs: 1,
      outcomes: { succeeded: 1, failed: 0, cancelled: 0, budget_exceeded: 0, interrupted: 0 },
      meanIterations: 2,
      meanFirstScore: 6,
      meanFinalScore: 9,
      thresholdMetRate: 1,
    });
    expect(byStrategy.improve.meanCostUsd).toBeCloseTo(runs[0].totals.costUsd, 10);
    expect(byStrategy.route).toMatchObject({ runs: 3, outcomes: { succeeded: 2, failed: 1 }, meanIterations: 1 });
  });

  it('should keep each key to its own numbers; an admin sees all, or one owner', async () => {
    const theirs = await get(b.key, '/api/analytics/costs');
    expect(theirs.calls).toBe(stepsOf('b').length);
    await env.t.http().get(`/api/analytics/sessions/${sessionA}`).set(auth(b.key)).expect(404);
    const everyone = await get(ADMIN_KEY, '/api/analytics/costs');
    expect(everyone.calls).toBe(stepsOf('a').length + stepsOf('b').length);
    const onlyB = await get(ADMIN_KEY, `/api/analytics/costs?ownerId=${b.ownerId}`);
    expect(onlyB.calls).toBe(stepsOf('b').length);
    const foreign = await env.t.http().get(`/api/analytics/costs?ownerId=${a.ownerId}`).set(auth(b.key)).expect(403);
    expect((foreign.body as Json).message).toBe('ownerId: a user key sees only its own owner; leave ownerId out');
    const own = await get(b.key, `/api/analytics/costs?ownerId=${b.ownerId}`);
    expect(own.calls).toBe(stepsOf('b').length);
  });

  it('should refuse a bad range or grouping with a 400 naming it', async () => {
    const bad = async (path: string, message: RegExp) =>
      expect(((await env.t.http().get(path).set(auth(a.key)).expect(400)).body as Json).message).toMatch(message);
    await bad('/api/analytics/usage?groupBy=week', /groupBy must be one of/);
    await bad('/api/analytics/costs?from=yesterday', /from must be a date \(2026-11-01\) or an RFC 3339 date-time/);
    await bad('/api/analytics/costs?from=2026-02-30', /from must be a date/);
    await bad('/api/analytics/costs?to=2026-11-01T10:00', /to must be a date/);
    // An inverted range holds no day.
    const inverted = await get(a.key, '/api/analytics/costs?from=2026-11-20&to=2026-11-01');
    expect(inverted).toMatchObject({ calls: 0, totalUsd: 0, byProvider: [] });
    const old = await get(a.key, '/api/analytics/costs?from=2020-01-01&to=2020-01-31');
    expect(old).toMatchObject({ calls: 0, totalUsd: 0, byProvider: [] });
  });

  it('should remove raw records past the retention period and keep the rollups', async () => {
    const recorder = env.t.app.get(UsageRecorder);
    const at = new Date(Date.now() - 400 * 86_400_000);
    recorder.record({
      ownerId: a.ownerId,
      role: 'test',
      strategy: null,
      provider: 'openai',
      modelId: 'openai/gpt-5.4-mini',
      domain: null,
      usage: null,
      costUsd: 0,
      latencyMs: 5,
      ttftMs: null,
      status: 'failed',
      errorClass: 'timeout',
      at,
    });
    await recorder.flush();
    const usage = env.t.db.collection('usage');
    expect(await usage.countDocuments({ at: { $lt: new Date(Date.now() - 300 * 86_400_000) } })).toBe(1);
    expect(await recorder.removeExpired()).toBe(1);
    expect(await usage.countDocuments({ at: { $lt: new Date(Date.now() - 300 * 86_400_000) } })).toBe(0);
    const day = at.toISOString().slice(0, 10);
    const old = await get(a.key, `/api/analytics/usage?from=${day}&to=${day}`);
    expect(old.groups).toMatchObject([{ key: day, calls: 1, failuresByClass: { timeout: 1 } }]);
  });

  it("should remove the rollups of days past ROLLUP_RETENTION_DAYS, but for the key rollups (a key's total spend)", async () => {
    const recorder = env.t.app.get(UsageRecorder);
    const at = new Date(Date.now() - 800 * 86_400_000); // past the default 730 days
    const day = at.toISOString().slice(0, 10);
    recorder.record({
      ownerId: a.ownerId,
      keyId: 'expired-rollups-key',
      role: 'test',
      strategy: null,
      provider: 'openai',
      modelId: 'openai/gpt-5.4-mini',
      domain: null,
      usage: null,
      costUsd: 0.25,
      latencyMs: 5,
      ttftMs: null,
      status: 'succeeded',
      errorClass: null,
      at,
    });
    await recorder.flush();
    const byDay = { day: new Date(`${day}T00:00:00.000Z`) };
    expect((await get(a.key, `/api/analytics/usage?from=${day}&to=${day}`)).groups).toHaveLength(1);
    expect(await env.t.db.collection('usage_rollups').countDocuments(byDay)).toBe(1);

    // The raw record, its usage and model rollups go; its key rollup stays.
    expect(await recorder.removeExpired()).toBe(3);
    expect((await get(a.key, `/api/analytics/usage?from=${day}&to=${day}`)).groups).toEqual([]);
    expect((await get(a.key, `/api/analytics/models?from=${day}&to=${day}`)).models).toEqual([]);
    expect(await env.t.db.collection('usage_rollups').countDocuments(byDay)).toBe(0);
    expect(await env.t.db.collection('model_rollups').countDocuments(byDay)).toBe(0);
    const kept = await env.t.db.collection('key_rollups').find(byDay).toArray();
    expect(kept.map((doc) => [doc.keyId, (doc.n as { costUsd: number }).costUsd])).toEqual([
      ['expired-rollups-key', 0.25],
    ]);
  });

  it('should serve Prometheus metrics to an admin key or the metrics token only', async () => {
    await env.t.http().get('/metrics').expect(401);
    await env.t.http().get('/metrics').set(auth(a.key)).expect(401);
    const res = await env.t.http().get('/metrics').set(auth(ADMIN_KEY)).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.text;
    expect(text).toMatch(
      /orchestratex_provider_call_duration_seconds_count\{provider="openai",model="openai\/gpt-5.4-mini",outcome="auth"\} 1/,
    );
    expect(text).toMatch(/orchestratex_runs_total\{strategy="improve",status="succeeded"\} 1/);
    expect(text).toMatch(
      /orchestratex_http_request_duration_seconds_count\{method="POST",route="\/api\/orchestrate",status="200"\} \d+/,
    );
    expect(text).toMatch(/orchestratex_unknown_cost_calls_total\{provider="alibaba",model="alibaba\/qwen-plus"\} 1/);
    expect(text).toMatch(/orchestratex_usage_buffer_depth 0/);
    expect(text).toMatch(/orchestratex_socketio_connections 0/);
  });
});

describe('metrics settings', () => {
  it('should take a metrics token, and answer 404 when metrics are off', async () => {
    const token = 'metrics-token-0123456789';
    const on = await startApp({ METRICS_TOKEN: token });
    try {
      await on.http().get('/metrics').set(auth(token)).expect(200);
    } finally {
      await on.close();
    }
    const off = await startApp({ METRICS_ENABLED: 'false' });
    try {
      await off.http().get('/metrics').set(auth(ADMIN_KEY)).expect(404);
    } finally {
      await off.close();
    }
  });
});

describeWithFerretDb('usage flushing when the database goes away', () => {
  it('should keep the buffered records through a database restart and write them all afterwards', async () => {
    const db = await OwnFerretDb.start('usage');
    const sim = new UpstreamSimulator();
    const simUrl = await sim.listen(0);
    const t = await startApp({
      MONGODB_URI: db.uri,
      USAGE_FLUSH_INTERVAL_MS: '600000',
      ...simulatorProviderEnvironment(simUrl),
    });
    try {
      const recorder = t.app.get(UsageRecorder);
      for (let i = 0; i < 3; i += 1) {
        await t
          .http()
          .post(`/api/models/${encodeURIComponent('openai/gpt-5.4-mini')}/test`)
          .set(auth(ADMIN_KEY))
          .expect(200);
      }
      expect(recorder.depth).toBe(3);

      await db.kill();
      await recorder.flush(); // refused: kept
      expect(recorder.depth).toBe(3);
      expect(t.logs.some((l) => l.includes('Writing usage failed'))).toBe(true);

      await db.restart();
      for (let i = 0; i < 100 && recorder.depth > 0; i += 1) {
        await recorder.flush();
        if (recorder.depth > 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(recorder.depth).toBe(0);
      expect(await t.db.collection('usage').countDocuments({})).toBe(3);
      const report = (await t.http().get('/api/analytics/usage?groupBy=model').set(auth(ADMIN_KEY)).expect(200))
        .body as Json;
      expect(report.groups).toMatchObject([{ key: 'openai/gpt-5.4-mini', calls: 3 }]);
    } finally {
      await t.close();
      await db.close();
      await sim.close();
    }
  });
});
