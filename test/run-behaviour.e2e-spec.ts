import { auth, createSession, createUserKey } from './support/factories.js';
import { startSimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PINNED = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];

/** Behaviours the README and docs/api.md promise for runs, each held to what a client sees. */
describe('run behaviour', () => {
  let env: Awaited<ReturnType<typeof startSimulatedApp>>;
  let key: string;

  beforeAll(async () => {
    env = await startSimulatedApp({ MAX_RUNS_PER_KEY: '20' });
    key = (await createUserKey(env.t)).key;
  });
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  const start = async (body: Json, query = '?wait=true', status = 200): Promise<Json> =>
    (await env.t.http().post(`/api/orchestrate${query}`).set(auth(key)).send(body).expect(status)).body as Json;
  const eventsOf = async (runId: string): Promise<Json[]> =>
    (await env.t.http().get(`/api/orchestrate/runs/${runId}/events`).set(auth(key)).expect(200)).body as Json[];

  it("should take a run's strategy, threshold, iterations, cost limit and model lists from its session", async () => {
    const [preferred, excluded] = ['mistral/mistral-small-2603', 'openai/gpt-5.4-mini'];
    const session = await createSession(env.t, key, {
      settings: {
        defaultStrategy: 'route',
        qualityThreshold: 6.5,
        maxIterations: 2,
        costLimitUsd: 0.5,
        preferredModels: [preferred],
        excludedModels: [excluded],
      },
    });
    const r = await start({
      sessionId: session.id,
      prompt: 'Summarise the causes of the French revolution',
      models: PINNED,
    });
    expect(r).toMatchObject({ status: 'succeeded', strategy: 'route' });
    expect(r.options).toMatchObject({
      qualityThreshold: 6.5,
      maxIterations: 2,
      costLimitUsd: 0.5,
      preferredModels: [preferred],
      excludedModels: [excluded],
    });
    const considered = (r.candidates as Json[]).map((c) => c.modelId as string);
    expect(considered).not.toContain(excluded);
    const favoured = (r.candidates as Json[]).find((c) => c.modelId === preferred) as Json;
    expect(favoured.reasons).toContain('preferred by the session');
    // The same prompt in a session without preferences: the preferred model scores lower there.
    const plain = await createSession(env.t, key, { settings: { defaultStrategy: 'route' } });
    const baseline = await start({
      sessionId: plain.id,
      prompt: 'Summarise the causes of the French revolution',
      models: PINNED,
    });
    const unfavoured = (baseline.candidates as Json[]).find((c) => c.modelId === preferred) as Json;
    expect(unfavoured.reasons).not.toContain('preferred by the session');
    expect(favoured.score).toBeGreaterThan(unfavoured.score as number);
    expect((baseline.candidates as Json[]).map((c) => c.modelId)).toContain(excluded);

    // What the request says wins over the session.
    const overridden = await start({
      sessionId: session.id,
      prompt: 'Summarise the causes of the French revolution',
      strategy: 'improve',
      qualityThreshold: 9,
    });
    expect(overridden).toMatchObject({ strategy: 'improve', options: { qualityThreshold: 9, maxIterations: 2 } });
  });

  it('should send run.cost_warning once 80% of the cost limit is spent', async () => {
    const session = await createSession(env.t, key);
    const body = {
      sessionId: session.id,
      prompt: 'Name a colour',
      strategy: 'route',
      models: [PINNED[0]],
      maxTokens: 16,
    };
    const free = await start(body);
    const cost = free.totals.costUsd as number;
    expect(cost).toBeGreaterThan(0);
    // A limit the same call spends 85% of.
    const limit = cost / 0.85;
    const limited = await start({ ...body, costLimitUsd: limit });
    expect(limited.status).toBe('succeeded');
    const warnings = (await eventsOf(limited.id as string)).filter((e) => e.type === 'run.cost_warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].data.limitUsd).toBeCloseTo(limit, 12);
    expect(warnings[0].data.spentUsd).toBeCloseTo(cost, 12);
    // Under 80%, no warning.
    const roomy = await start({ ...body, costLimitUsd: cost * 2 });
    expect((await eventsOf(roomy.id as string)).some((e) => e.type === 'run.cost_warning')).toBe(false);
  });

  it('should keep the session total exact when ten runs on it end at once', async () => {
    const session = await createSession(env.t, key);
    const started = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        start({ sessionId: session.id, prompt: `Question number ${i}`, strategy: 'route', models: PINNED }),
      ),
    );
    expect(started.every((r) => r.status === 'succeeded')).toBe(true);
    const sum = started.reduce((total, r) => total + (r.totals.costUsd as number), 0);
    expect(sum).toBeGreaterThan(0);
    const stored = (await env.t.http().get(`/api/sessions/${session.id}`).set(auth(key)).expect(200)).body as Json;
    expect(stored.totalCostUsd).toBeCloseTo(sum, 12);
  });
});

describe('?wait=true past ORCHESTRATE_WAIT_MS', () => {
  it('should answer 202 with the run as it stands', async () => {
    const env = await startSimulatedApp({ ORCHESTRATE_WAIT_MS: '1000' });
    try {
      const { key } = await createUserKey(env.t);
      env.sim.configure('*', { tokenMs: 30, outputTokens: 200 });
      const session = await createSession(env.t, key);
      const r = (
        await env.t
          .http()
          .post('/api/orchestrate?wait=true')
          .set(auth(key))
          .send({ sessionId: session.id, prompt: 'A long story, please', strategy: 'route' })
          .expect(202)
      ).body as Json;
      expect(r.status).toBe('running');
      expect(r.endedAt).toBeNull();
      await env.t.http().post(`/api/orchestrate/runs/${r.id}/cancel`).set(auth(key)).expect(200);
    } finally {
      await env.close();
    }
  });
});

describe('a stream that stalls between tokens', () => {
  it('should time out after PROVIDER_TIMEOUT_MS without a token, retry once, and fail the run naming the timeout', async () => {
    const env = await startSimulatedApp({ PROVIDER_TIMEOUT_MS: '300' });
    try {
      const { key } = await createUserKey(env.t);
      const session = await createSession(env.t, key);
      // The first token comes at once, the next after 2 s: the stream stalls past the timeout.
      env.sim.configure('*', { ttftMs: 0, tokenMs: 2000, outputTokens: 3 });
      const r = (
        await env.t
          .http()
          .post('/api/orchestrate?wait=true')
          .set(auth(key))
          .send({ sessionId: session.id, prompt: 'Hello', strategy: 'route', models: [PINNED[0]] })
          .expect(200)
      ).body as Json;
      expect(r.status).toBe('failed');
      expect(r.steps[0]).toMatchObject({ status: 'failed', error: { errorClass: 'timeout' }, attempts: 2 });
      expect(r.steps[0].timeToFirstTokenMs).not.toBeNull();
      const events = (await env.t.http().get(`/api/orchestrate/runs/${r.id}/events`).set(auth(key)).expect(200))
        .body as Json[];
      expect(events.filter((e) => e.type === 'step.retried').map((e) => e.data.errorClass)).toEqual(['timeout']);
      expect(events.at(-1)).toMatchObject({ type: 'run.failed', data: { errorClass: 'timeout' } });
    } finally {
      await env.close();
    }
  });
});

describe('shutdown', () => {
  it('should let a short run finish and interrupt a long one after the 10 s drain', async () => {
    const env = await startSimulatedApp();
    const { key } = await createUserKey(env.t);
    const session = await createSession(env.t, key);
    const begin = async (model: string, prompt: string): Promise<string> =>
      (
        (
          await env.t
            .http()
            .post('/api/orchestrate')
            .set(auth(key))
            .send({ sessionId: session.id, prompt, strategy: 'route', models: [model] })
            .expect(202)
        ).body as Json
      ).runId as string;
    // About 1.5 s for the short run, 40 s for the long one.
    env.sim.configure('gpt-5.4-mini', { tokenMs: 50, outputTokens: 30 });
    env.sim.configure('claude-haiku-4-5', { tokenMs: 100, outputTokens: 400 });
    const short = await begin(PINNED[0], 'A short answer');
    const long = await begin(PINNED[1], 'A long answer');
    const t = await env.restart(); // closes the app (runs drained, then interrupted) and starts it again
    try {
      const read = async (id: string) =>
        (await t.http().get(`/api/orchestrate/runs/${id}`).set(auth(key)).expect(200)).body as Json;
      expect((await read(short)).status).toBe('succeeded');
      const interrupted = await read(long);
      expect(interrupted.status).toBe('interrupted');
      const events = (await t.http().get(`/api/orchestrate/runs/${long}/events`).set(auth(key)).expect(200))
        .body as Json[];
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)?.type).toBe('run.interrupted');
      expect(env.sim.getStats().clientAborts).toBe(1);
    } finally {
      await env.close();
    }
  });
});

/** Whether a verdict is simulated is configuration (SIMULATED_PROVIDERS), never what a model writes. */
describe('simulated verdicts', () => {
  // Every provider speaks to the simulator, but none is configured as simulated: as real models
  // would, their evaluations write `"simulated": true` into their JSON, and it must not count.
  let env: Awaited<ReturnType<typeof startSimulatedApp>>;
  let key: string;

  beforeAll(async () => {
    env = await startSimulatedApp({ SIMULATED_PROVIDERS: '' });
    key = (await createUserKey(env.t)).key;
  });
  afterAll(() => env.close());

  it('should count the scores of a model that writes "simulated": true when its provider is not the simulator', async () => {
    const session = await createSession(env.t, key);
    const r = (
      await env.t
        .http()
        .post('/api/orchestrate?wait=true')
        .set(auth(key))
        .send({ sessionId: session.id, prompt: 'Compare two sorting algorithms', models: PINNED, maxIterations: 1 })
        .expect(200)
    ).body as Json;
    const evaluations = (r.steps as Json[]).filter((s) => s.role === 'evaluator' && s.status === 'succeeded');
    expect(evaluations.length).toBeGreaterThan(0);
    expect(evaluations.every((s) => s.evaluation.simulated === false)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, env.t.config.usage.flushIntervalMs + 200));
    const board = (await env.t.http().get('/api/analytics/models').set(auth(key)).expect(200)).body as Json;
    const row = (board.models as Json[]).find((m) => m.modelId === r.team.primary[0]) as Json;
    expect(row.scoredAnswers).toBeGreaterThan(0);
  });
});
