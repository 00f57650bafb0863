import OpenAI from 'openai';
import { ADMIN_KEY } from './support/app.js';
import { auth, createSession } from './support/factories.js';
import { startGateway, type SimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MODEL = 'openai/gpt-5.4-mini';
const PROMPT: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello' }];

describe('API keys with limits: allowed models, spend per day/month/total, rpm, tpm', () => {
  let env: SimulatedApp;
  let baseURL: string;

  beforeAll(async () => ({ env, baseURL } = await startGateway()));
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  const admin = () => env.t.http();
  const upstreamCalls = () => Object.values(env.sim.getStats().requests).reduce((a, b) => a + b, 0);
  const limitedKey = async (limits: Json): Promise<{ id: string; key: string; client: OpenAI }> => {
    const res = await admin().post('/api/keys').set(auth(ADMIN_KEY)).send({ name: 'limited', limits }).expect(201);
    const { id, key } = res.body as { id: string; key: string };
    return { id, key, client: new OpenAI({ apiKey: key, baseURL, maxRetries: 0 }) };
  };
  const keyOf = async (id: string): Promise<Json> =>
    (await admin().get(`/api/keys/${id}`).set(auth(ADMIN_KEY)).expect(200)).body as Json;
  const refusalOf = async (promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  };

  it('should refuse limits that make no sense with a 400 naming the field', async () => {
    for (const [limits, field] of [
      [{ rpm: 0 }, 'rpm'],
      [{ tpm: 1.5 }, 'tpm'],
      [{ usdPerDay: -1 }, 'usdPerDay'],
      [{ usdTotal: 'ten' }, 'usdTotal'],
      [{ models: ['not a model'] }, 'models'],
      [{ models: 'openai/*' }, 'models'],
      [{ perHour: 3 }, 'perHour'],
    ] as const) {
      const res = await admin().post('/api/keys').set(auth(ADMIN_KEY)).send({ name: 'bad', limits }).expect(400);
      expect((res.body as Json).message).toContain(field);
    }
    const { id } = await limitedKey({ rpm: 5 });
    const nothing = await admin().patch(`/api/keys/${id}`).set(auth(ADMIN_KEY)).send({}).expect(400);
    expect((nothing.body as Json).message).toContain('changes nothing');
    await admin().get('/api/keys/0123456789abcdef01234567').set(auth(ADMIN_KEY)).expect(404);
  });

  it('should show a key its limits and spend to admins only, and merge a change (null removes a limit)', async () => {
    const { id, key } = await limitedKey({ rpm: 5, usdPerDay: 2, models: ['openai/*'] });
    const created = await keyOf(id);
    expect(created.limits).toEqual({
      models: ['openai/*'],
      tools: null,
      usdPerDay: 2,
      usdPerMonth: null,
      usdTotal: null,
      rpm: 5,
      tpm: null,
      unpriced: null,
      cache: null,
    });
    expect(created.spend).toEqual({ usdToday: 0, usdThisMonth: 0, usdTotal: 0, usdHeld: 0, tokensLastMinute: 0 });
    await env.t.http().get(`/api/keys/${id}`).set(auth(key)).expect(403);
    await env.t
      .http()
      .patch(`/api/keys/${id}`)
      .set(auth(key))
      .send({ limits: { rpm: 100 } })
      .expect(403);

    const changed = await admin()
      .patch(`/api/keys/${id}`)
      .set(auth(ADMIN_KEY))
      .send({ limits: { rpm: null, usdTotal: 10 } })
      .expect(200);
    expect((changed.body as Json).limits).toEqual({
      models: ['openai/*'],
      tools: null,
      usdPerDay: 2,
      usdPerMonth: null,
      usdTotal: 10,
      rpm: null,
      tpm: null,
      unpriced: null,
      cache: null,
    });
    const listed = (await admin().get('/api/keys?limit=100').set(auth(ADMIN_KEY)).expect(200)).body as Json;
    expect(listed.items.find((k: Json) => k.id === id).limits.usdTotal).toBe(10);
  });

  it('should let at most as many of 20 concurrent requests through as the budget affords, never spending past it', async () => {
    // What one request costs, measured with a key of its own.
    const probe = await limitedKey({ rpm: 1000 });
    await probe.client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 24 });
    const one = (await keyOf(probe.id)).spend.usdTotal as number;
    expect(one).toBeGreaterThan(0);

    const budget = one * 5;
    const { id, client } = await limitedKey({ usdPerDay: budget });
    env.sim.configure('gpt-5.4-mini', { ttftMs: 300 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 24 }).withResponse(),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) =>
      r.status === 'rejected' ? [r.reason as InstanceType<typeof OpenAI.APIError>] : [],
    );
    process.stdout.write(`budget of 5 requests, 20 concurrent: ${ok.length} passed\n`);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(5);
    expect(refused).toHaveLength(20 - ok.length);
    for (const error of refused) {
      expect(error.status).toBe(429);
      expect(error.code).toBe('usdPerDay_exceeded');
      expect(error.message).toContain('usdPerDay');
      const retryAfter = Number(error.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      expect(error.headers?.get('x-ratelimit-limit-usd')).toBe(String(budget));
    }
    const spend = (await keyOf(id)).spend as Json;
    expect(spend.usdHeld).toBe(0);
    expect(spend.usdToday).toBeLessThanOrEqual(budget);
    expect(spend.usdToday).toBeCloseTo(one * ok.length, 12);

    // What analytics recorded for the key, once written: the same calls, within the budget.
    let line: Json | undefined;
    for (let i = 0; i < 50 && (line?.calls ?? 0) < ok.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const costs = (await admin().get('/api/analytics/costs').set(auth(ADMIN_KEY)).expect(200)).body as Json;
      line = (costs.byKey as Json[]).find((l) => l.key === id);
    }
    expect(line?.calls).toBe(ok.length);
    expect(line?.costUsd).toBeLessThanOrEqual(budget);
    const usage = (await admin().get('/api/analytics/usage?groupBy=key').set(auth(ADMIN_KEY)).expect(200)).body as Json;
    expect((usage.groups as Json[]).find((g) => g.key === id)?.calls).toBe(ok.length);
  });

  it('should refuse the 11th request in a minute of a key with rpm 10, with Retry-After and x-ratelimit headers', async () => {
    const { client } = await limitedKey({ rpm: 10 });
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { response } = await client.chat.completions
        .create({ model: MODEL, messages: PROMPT, max_tokens: 8 })
        .withResponse();
      remaining.push(response.headers.get('x-ratelimit-remaining-requests') ?? '');
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10');
    }
    expect(remaining).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
    const error = await refusalOf(client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 8 }));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rpm_exceeded');
    expect(error.message).toContain('10 requests per minute');
    const retryAfter = Number(error.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    // A refused request is not counted: another is refused the same way, nothing reached the provider.
    const calls = upstreamCalls();
    await refusalOf(client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 8 }));
    expect(upstreamCalls()).toBe(calls);
  });

  it('should hold tokens per minute: a request that alone may pass tpm, then one past what is left', async () => {
    const { client } = await limitedKey({ tpm: 2000 });
    const alone = await refusalOf(client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 5000 }));
    expect(alone.status).toBe(429);
    expect(alone.code).toBe('tpm_exceeded');
    expect(alone.message).toContain('more than this API key');
    expect(alone.headers?.get('retry-after')).toBeNull();

    // Answers of 400 tokens: the fifth request's hold no longer fits in what the minute has left.
    env.sim.configure('gpt-5.4-mini', { outputTokens: 400 });
    let passed = 0;
    let refused: InstanceType<typeof OpenAI.APIError> | null = null;
    for (let i = 0; i < 10 && refused === null; i++) {
      refused = await client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 400 }).then(
        () => ((passed += 1), null),
        (e: InstanceType<typeof OpenAI.APIError>) => e,
      );
    }
    expect(passed).toBeGreaterThanOrEqual(2);
    expect(passed).toBeLessThanOrEqual(4);
    expect(refused?.status).toBe(429);
    expect(refused?.code).toBe('tpm_exceeded');
    expect(Number(refused?.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers?.get('x-ratelimit-limit-tokens')).toBe('2000');
  });

  it('should answer 403 for a model outside the allow-list, on /v1 and /api, and keep runs to the allowed models', async () => {
    const { key, client } = await limitedKey({ models: ['openai/*', 'mistral/mistral-small-*'] });
    await client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 8 });

    const calls = upstreamCalls();
    const forbidden = await refusalOf(
      client.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', messages: PROMPT }),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.code).toBe('model_not_allowed');
    expect(forbidden.message).toContain("may not use the model 'anthropic/claude-haiku-4-5'");
    const fallback = await env.t
      .http()
      .post('/v1/chat/completions')
      .set(auth(key))
      .send({ model: MODEL, messages: PROMPT, fallbacks: ['xai/grok-4.3'] })
      .expect(403);
    expect((fallback.body as Json).error.message).toContain('xai/grok-4.3');
    expect(upstreamCalls()).toBe(calls);

    const sessionId = (await createSession(env.t, key)).id;
    const named = await env.t
      .http()
      .post('/api/orchestrate')
      .set(auth(key))
      .send({ sessionId, prompt: 'Hi', strategy: 'route', models: ['anthropic/claude-haiku-4-5'] })
      .expect(403);
    expect((named.body as Json).message).toContain('anthropic/claude-haiku-4-5');

    const run = (
      await env.t
        .http()
        .post('/api/orchestrate?wait=true')
        .set(auth(key))
        .send({ sessionId, prompt: 'Write a limerick about the sea', strategy: 'improve', maxIterations: 2 })
        .expect(200)
    ).body as Json;
    expect(run.status).toBe('succeeded');
    expect(run.steps.length).toBeGreaterThan(1);
    for (const step of run.steps as Json[]) expect(step.modelId).toMatch(/^(openai\/|mistral\/mistral-small-)/);
  });

  it('should fail a run step that its key cannot afford, naming the budget, without calling the provider', async () => {
    const { key } = await limitedKey({ usdTotal: 0.0000001 });
    const sessionId = (await createSession(env.t, key)).id;
    const calls = upstreamCalls();
    const run = (
      await env.t
        .http()
        .post('/api/orchestrate?wait=true')
        .set(auth(key))
        .send({ sessionId, prompt: 'Hi there', strategy: 'route' })
        .expect(200)
    ).body as Json;
    expect(run.status).toBe('failed');
    const step = (run.steps as Json[])[0];
    expect(step.error.errorClass).toBe('key_limit');
    expect(step.error.message).toContain('usdTotal');
    expect(upstreamCalls()).toBe(calls);
  });

  // Last: the app it leaves is no longer the one the clients above listen to.
  it("should keep a key's spend across a restart, read back from the stored key rollups", async () => {
    const { id, client } = await limitedKey({ usdTotal: 1 });
    await client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 24 });
    await client.chat.completions.create({ model: MODEL, messages: PROMPT, max_tokens: 24 });
    const before = (await keyOf(id)).spend as Json;
    expect(before.usdTotal).toBeGreaterThan(0);
    await env.restart();
    const after = (await keyOf(id)).spend as Json;
    expect(after.usdTotal).toBeCloseTo(before.usdTotal as number, 12);
    expect(after.usdToday).toBeCloseTo(before.usdToday as number, 12);
    expect(after.usdThisMonth).toBeCloseTo(before.usdThisMonth as number, 12);
  });
});
