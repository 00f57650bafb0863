import { UsageRecorder } from '../src/analytics/usage-recorder.js';
import { ADMIN_KEY } from './support/app.js';
import { auth, createSession, createUserKey } from './support/factories.js';
import { startSimulatedApp, type SimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The request log (GET /api/requests): every model call, searchable, each owner's own. */
describe('request log (/api/requests)', () => {
  let env: SimulatedApp;
  let a: { id: string; key: string; ownerId: string };
  let b: { id: string; key: string; ownerId: string };
  let fellBack: Json;

  const get = async (key: string, path: string, status = 200): Promise<Json> =>
    (await env.t.http().get(path).set(auth(key)).expect(status)).body as Json;
  const chat = (key: string, model: string) =>
    env.t
      .http()
      .post('/v1/chat/completions')
      .set(auth(key))
      .send({ model, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 })
      .expect(200);

  beforeAll(async () => {
    env = await startSimulatedApp({ USAGE_FLUSH_INTERVAL_MS: '60000' });
    a = await createUserKey(env.t, 'a');
    b = await createUserKey(env.t, 'b');
    await chat(a.key, 'openai/gpt-5.4-mini');
    await chat(a.key, 'mistral/mistral-small-2603');
    await chat(b.key, 'openai/gpt-5.4-mini');
    // A run whose first model fails three times: the call falls back to the other. (The model chosen
    // first is the planner's; a run of the admin's, not in a's log, tells which it is.)
    const models = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5'];
    const body = { prompt: 'What is the capital of Peru?', strategy: 'route', models };
    const probe = (
      await env.t
        .http()
        .post('/api/orchestrate?wait=true')
        .set(auth(ADMIN_KEY))
        .send({ ...body, sessionId: (await createSession(env.t, ADMIN_KEY)).id })
        .expect(200)
    ).body as Json;
    env.sim.injectFault((probe.answerModelId as string).split('/')[1], { type: '500' }, 3);
    const session = await createSession(env.t, a.key);
    fellBack = (
      await env.t
        .http()
        .post('/api/orchestrate?wait=true')
        .set(auth(a.key))
        .set('x-request-id', 'run-with-a-fallback')
        .send({ ...body, sessionId: session.id })
        .expect(200)
    ).body as Json;
    expect(fellBack.status).toBe('succeeded');
    expect(fellBack.answerModelId).not.toBe(probe.answerModelId);
    await env.t.app.get(UsageRecorder).flush();
  });
  afterAll(() => env.close());

  it("should list a user's own calls only, newest first, and page through them without a gap or a repeat", async () => {
    const all = await get(a.key, '/api/requests?limit=100');
    expect(all.items).toHaveLength(3);
    expect(all.items.every((r: Json) => r.ownerId === a.ownerId && r.keyId === a.id)).toBe(true);
    const times = all.items.map((r: Json) => r.at as string);
    expect([...times].sort().reverse()).toEqual(times);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(a.key, `/api/requests?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`);
      paged.push(...page.items.map((r: Json) => r.id as string));
      cursor = page.nextCursor as string | null;
    } while (cursor !== null);
    expect(paged).toEqual(all.items.map((r: Json) => r.id));
  });

  it('should say which attempts failed and where the call fell back, with the request that made it', async () => {
    const { items } = await get(a.key, `/api/requests?runId=${fellBack.id}`);
    expect(items).toHaveLength(1);
    const call = await get(a.key, `/api/requests/${items[0].id}`);
    expect(call).toMatchObject({
      runId: fellBack.id,
      role: 'primary',
      strategy: 'route',
      status: 'succeeded',
      modelId: fellBack.answerModelId,
      requestId: 'run-with-a-fallback',
      attempts: 4,
      errorClass: null,
    });
    const failedAt =
      fellBack.answerModelId === 'openai/gpt-5.4-mini' ? 'anthropic/claude-haiku-4-5' : 'openai/gpt-5.4-mini';
    expect(call.failedAttempts).toEqual(
      [1, 2, 3].map((attempt) => ({
        target: failedAt,
        attempt,
        errorClass: 'upstream_5xx',
        status: 500,
        message: expect.any(String),
      })),
    );
    expect(call.costUsd).toBeGreaterThan(0);
    expect(call.inputTokens).toBeGreaterThan(0);
  });

  it('should filter by model, provider, status, key and time', async () => {
    const mistral = await get(a.key, '/api/requests?modelId=mistral/mistral-small-2603');
    expect(mistral.items.map((r: Json) => r.modelId)).toEqual(['mistral/mistral-small-2603']);
    expect((await get(a.key, '/api/requests?provider=mistral')).items).toHaveLength(1);
    expect((await get(a.key, '/api/requests?status=failed')).items).toEqual([]);
    expect((await get(a.key, `/api/requests?keyId=${b.id}`)).items).toEqual([]);
    expect((await get(a.key, '/api/requests?to=2020-01-01')).items).toEqual([]);
    const now = new Date().toISOString();
    expect((await get(a.key, `/api/requests?from=${now}`)).items).toEqual([]);
  });

  it("should keep other owners' calls out of a user's sight and show an admin everyone's", async () => {
    const theirs = (await get(b.key, '/api/requests')).items as Json[];
    expect(theirs).toHaveLength(1);
    await get(a.key, `/api/requests/${theirs[0].id}`, 404);
    await get(a.key, `/api/requests?ownerId=${b.ownerId}`, 403);
    const everyone = await get(ADMIN_KEY, '/api/requests?limit=100');
    expect(everyone.items).toHaveLength(5); // the admin's probe run too
    const onlyB = await get(ADMIN_KEY, `/api/requests?ownerId=${b.ownerId}`);
    expect(onlyB.items.map((r: Json) => r.id)).toEqual([theirs[0].id]);
  });

  it('should refuse a malformed filter with a 400 naming it', async () => {
    const bad = async (query: string, message: RegExp) =>
      expect((await get(a.key, `/api/requests?${query}`, 400)).message).toMatch(message);
    await bad('status=lost', /status must be one of/);
    await bad('from=yesterday', /from must be a date/);
    await bad('runId=42', /runId must be a 24-character hexadecimal id/);
    await bad('errorClass=gremlins', /errorClass must be one of/);
    await bad('colour=blue', /property colour should not exist/);
    await get(a.key, '/api/requests/not-an-id', 400);
  });
});
