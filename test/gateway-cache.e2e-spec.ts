import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY, freshDatabaseUri } from './support/app.js';
import { buildDist, clusterEnvironment, NodeProcess, RedisProcess } from './support/cluster.js';
import { auth, createUserKey } from './support/factories.js';
import { call, eventually } from './support/http.js';
import { startGateway } from './support/simulated.js';

const ask = (seconds: number) => ({ headers: { 'x-orchestratex-cache': `max-age=${seconds}` } });
const messages = [{ role: 'user' as const, content: 'Name three prime numbers' }];
const MODEL = 'openai/gpt-5.4-mini';

interface Logged {
  cacheHit: boolean;
  costUsd: number | null;
  savedUsd: number | null;
}

/** The response cache, asked for per request: exact match per owner, streamed answers replayed as streams. */
describe('/v1 response cache in one process', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(
    async () => (gateway = await startGateway({ RESPONSE_CACHE_EMBEDDING_MODEL: 'openai/text-embedding-3-small' })),
  );
  afterEach(() => gateway.env.sim.reset());
  afterAll(() => gateway.env.close());

  const upstreamCalls = () => gateway.env.sim.getStats().requests['gpt-5.4-mini'] ?? 0;
  const requestLog = async (key: string) =>
    (await gateway.env.t.http().get('/api/requests').set(auth(key)).expect(200)).body.items as Logged[];

  it('should answer the same request again from the cache at $0, and count what it saved', async () => {
    const first = await gateway.client.chat.completions.create({ model: MODEL, messages }, ask(600)).withResponse();
    expect(first.response.headers.get('x-orchestratex-cache')).toBe('miss');
    const again = await gateway.client.chat.completions.create({ model: MODEL, messages }, ask(600)).withResponse();
    expect(again.response.headers.get('x-orchestratex-cache')).toBe('hit');
    expect(again.data).toEqual(first.data);
    expect(upstreamCalls()).toBe(1);

    // A parameter that changes the answer is another entry; no header, no cache.
    const warmer = await gateway.client.chat.completions
      .create({ model: MODEL, messages, temperature: 0.9 }, ask(600))
      .withResponse();
    expect(warmer.response.headers.get('x-orchestratex-cache')).toBe('miss');
    const plain = await gateway.client.chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(plain.response.headers.get('x-orchestratex-cache')).toBeNull();
    expect(upstreamCalls()).toBe(3);

    // The hit is in the request log at $0 with the first call's cost saved, and in the cost report.
    const log = await eventually(
      () => requestLog(gateway.key),
      (items) => items.length === 4,
      'the four calls in the request log',
    );
    const hits = log.filter((c) => c.cacheHit);
    expect(hits).toHaveLength(1);
    const paid = log.filter((c) => !c.cacheHit);
    expect(hits[0].costUsd).toBe(0);
    expect(hits[0].savedUsd).toBeGreaterThan(0);
    expect(paid.map((c) => c.costUsd)).toContain(hits[0].savedUsd);
    const costs = await eventually(
      async () => (await gateway.env.t.http().get('/api/analytics/costs').set(auth(gateway.key)).expect(200)).body,
      (body: { cacheHits: number; savedUsd: number }) => body.cacheHits === 1,
      'the hit in the cost report',
    );
    expect(costs.savedUsd).toBeCloseTo(hits[0].savedUsd as number, 10);
  });

  it('should replay a streamed answer as a stream, and keep owners apart', async () => {
    const text = async (stream: AsyncIterable<OpenAI.ChatCompletionChunk>) => {
      let out = '';
      for await (const chunk of stream) out += chunk.choices[0]?.delta.content ?? '';
      return out;
    };
    const request = { model: MODEL, messages, stream: true as const };
    const first = await text(await gateway.client.chat.completions.create(request, ask(600)));
    const replayed = await gateway.client.chat.completions.create(request, ask(600)).withResponse();
    expect(replayed.response.headers.get('x-orchestratex-cache')).toBe('hit');
    expect(replayed.response.headers.get('content-type')).toContain('text/event-stream');
    expect(await text(replayed.data)).toBe(first);
    expect(upstreamCalls()).toBe(1);

    const other = await createUserKey(gateway.env.t, 'another owner');
    const client = new OpenAI({ apiKey: other.key, baseURL: gateway.baseURL, maxRetries: 0 });
    const theirs = await client.chat.completions.create(request, ask(600)).withResponse();
    expect(theirs.response.headers.get('x-orchestratex-cache')).toBe('miss');
    await text(theirs.data);
    expect(upstreamCalls()).toBe(2);
  });

  it('should let an entry go after its max-age, and refuse what it cannot cache with a 400 naming the header', async () => {
    const short = { model: MODEL, messages: [{ role: 'user' as const, content: 'A short-lived answer' }] };
    await gateway.client.chat.completions.create(short, ask(1));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await gateway.client.chat.completions.create(short, ask(1)).withResponse();
    expect(later.response.headers.get('x-orchestratex-cache')).toBe('miss');

    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e as { status: number; message: string },
      );
    const malformed = await refusal(
      gateway.client.chat.completions.create(short, { headers: { 'x-orchestratex-cache': 'forever' } }),
    );
    expect([malformed?.status, malformed?.message]).toEqual([
      400,
      expect.stringContaining('x-orchestratex-cache: must be max-age'),
    ]);
    const run = await refusal(
      gateway.client.chat.completions.create({ ...short, model: 'orchestratex/route' }, ask(60)),
    );
    expect([run?.status, run?.message]).toEqual([400, expect.stringContaining('orchestratex/* runs are not cached')]);
  });

  it('should cache Messages, Responses and Embeddings answers in their own dialect, apart from Chat Completions', async () => {
    const anthropic = new Anthropic({
      apiKey: gateway.key,
      baseURL: gateway.baseURL.replace(/\/v1$/, ''),
      maxRetries: 0,
    });
    const haiku = () => gateway.env.sim.getStats().requests['claude-haiku-4-5'] ?? 0;
    const request = { model: 'anthropic/claude-haiku-4-5', max_tokens: 16, messages };
    const first = await anthropic.messages.create(request, ask(600)).withResponse();
    const again = await anthropic.messages.create(request, ask(600)).withResponse();
    expect([
      first.response.headers.get('x-orchestratex-cache'),
      again.response.headers.get('x-orchestratex-cache'),
    ]).toEqual(['miss', 'hit']);
    expect(again.data).toEqual(first.data);
    expect(again.data.type).toBe('message');
    // Streamed: Anthropic's events again, read by its SDK.
    const streamed = async () => {
      const stream = anthropic.messages.stream(request, ask(600));
      return {
        text: (await stream.finalMessage()).content,
        cache: (await stream.withResponse()).response.headers.get('x-orchestratex-cache'),
      };
    };
    const live = await streamed();
    const replayed = await streamed();
    expect([live.cache, replayed.cache]).toEqual(['miss', 'hit']);
    expect(replayed.text).toEqual(live.text);
    expect(haiku()).toBe(2);

    // The same body on Chat Completions is another entry (a Chat Completions answer, not a message).
    const chat = await gateway.client.chat.completions
      .create({ model: 'anthropic/claude-haiku-4-5', max_tokens: 16, messages }, ask(600))
      .withResponse();
    expect(chat.response.headers.get('x-orchestratex-cache')).toBe('miss');
    expect(chat.data.object).toBe('chat.completion');
    expect(haiku()).toBe(3);

    const response = () =>
      gateway.client.responses.create({ model: MODEL, input: 'Name three prime numbers' }, ask(600)).withResponse();
    const [r1, r2] = [await response(), await response()];
    expect([r1.response.headers.get('x-orchestratex-cache'), r2.response.headers.get('x-orchestratex-cache')]).toEqual([
      'miss',
      'hit',
    ]);
    expect(r2.data.output_text).toBe(r1.data.output_text);

    const embed = () =>
      gateway.client.embeddings
        .create({ model: 'openai/text-embedding-3-small', input: 'prime numbers' }, ask(600))
        .withResponse();
    const [e1, e2] = [await embed(), await embed()];
    expect([e1.response.headers.get('x-orchestratex-cache'), e2.response.headers.get('x-orchestratex-cache')]).toEqual([
      'miss',
      'hit',
    ]);
    expect(e2.data.data[0].embedding).toEqual(e1.data.data[0].embedding);
    expect(gateway.env.sim.getStats().requests['text-embedding-3-small']).toBe(1);
  });

  it('should answer a prompt close enough in meaning from the cache in semantic mode, and only that', async () => {
    const semantic = { headers: { 'x-orchestratex-cache': 'max-age=600, semantic=0.85' } };
    const ask = (content: string, options = semantic) =>
      gateway.client.chat.completions
        .create({ model: MODEL, messages: [{ role: 'user', content }] }, options)
        .withResponse();
    const verdict = (r: Awaited<ReturnType<typeof ask>>) => [
      r.response.headers.get('x-orchestratex-cache'),
      r.response.headers.get('x-orchestratex-cache-similarity') === null ? null : 'similar',
    ];
    const first = await ask('List three prime numbers below twenty');
    expect(verdict(first)).toEqual(['miss', null]);
    // One word more: close in meaning (the simulator's vectors carry the words, as a model's carry meaning).
    const close = await ask('list three prime numbers below twenty please');
    expect(verdict(close)).toEqual(['hit', 'similar']);
    expect(Number(close.response.headers.get('x-orchestratex-cache-similarity'))).toBeGreaterThanOrEqual(0.85);
    expect(close.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
    // Another question, or the same one with a parameter that changes the answer: asked of the model.
    expect(verdict(await ask('List three even numbers below twenty'))).toEqual(['miss', null]);
    const warmer = await gateway.client.chat.completions
      .create(
        {
          model: MODEL,
          temperature: 1.5,
          messages: [{ role: 'user', content: 'list three prime numbers below twenty please' }],
        },
        semantic,
      )
      .withResponse();
    expect(verdict(warmer)).toEqual(['miss', null]);
    expect(upstreamCalls()).toBe(3);
    // Each prompt's vector is a call of the embedding model, priced and recorded with the role `cache`.
    expect(gateway.env.sim.getStats().requests['text-embedding-3-small']).toBe(4);
    const roles = await eventually(
      async () =>
        (await gateway.env.t.http().get('/api/requests?limit=50').set(auth(gateway.key)).expect(200)).body.items as {
          role: string;
          modelId: string;
          costUsd: number;
        }[],
      (items) => items.filter((c) => c.role === 'cache').length === 4,
      'the embedding calls in the request log',
    );
    expect(roles.filter((c) => c.role === 'cache').map((c) => [c.modelId, c.costUsd > 0])).toEqual(
      Array(4).fill(['openai/text-embedding-3-small', true]),
    );

    // An admin may make it a key's default.
    const admin = auth(ADMIN_KEY);
    const { body: made } = await gateway.env.t
      .http()
      .post('/api/keys')
      .set(admin)
      .send({ name: 'semantic', limits: { cache: { maxAgeSeconds: 600, semanticThreshold: 0.85 } } })
      .expect(201);
    const client = new OpenAI({ apiKey: made.key, baseURL: gateway.baseURL, maxRetries: 0 });
    const askWith = (content: string) =>
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }] }).withResponse();
    expect((await askWith('Which planet is the largest')).response.headers.get('x-orchestratex-cache')).toBe('miss');
    expect((await askWith('which planet is the largest one')).response.headers.get('x-orchestratex-cache')).toBe('hit');

    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e as { status: number; message: string },
      );
    const outOfRange = await refusal(ask('x', { headers: { 'x-orchestratex-cache': 'max-age=60, semantic=2' } }));
    expect([outOfRange?.status, outOfRange?.message]).toEqual([
      400,
      expect.stringContaining('semantic=<similarity, 0.5 to 1>'),
    ]);
    const embeddings = await refusal(
      gateway.client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x' }, semantic),
    );
    expect([embeddings?.status, embeddings?.message]).toEqual([
      400,
      expect.stringContaining('embeddings are cached by exact input only'),
    ]);
  });

  it('should cache a key’s chat completions without asking where an admin set it, shared across owners if made so', async () => {
    const admin = auth(ADMIN_KEY);
    const make = async (name: string, cache: object) =>
      (await gateway.env.t.http().post('/api/keys').set(admin).send({ name, limits: { cache } }).expect(201)).body as {
        key: string;
        limits: { cache: object };
      };
    const own = await make('cached by default', { maxAgeSeconds: 600 });
    expect(own.limits.cache).toEqual({ maxAgeSeconds: 600 });
    const client = new OpenAI({ apiKey: own.key, baseURL: gateway.baseURL, maxRetries: 0 });
    const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'Cached without asking' }] };
    const first = await client.chat.completions.create(request).withResponse();
    expect(first.response.headers.get('x-orchestratex-cache')).toBe('miss');
    const second = await client.chat.completions.create(request).withResponse();
    expect(second.response.headers.get('x-orchestratex-cache')).toBe('hit');
    const fresh = await client.chat.completions
      .create(request, { headers: { 'x-orchestratex-cache': 'no-store' } })
      .withResponse();
    expect(fresh.response.headers.get('x-orchestratex-cache')).toBeNull();
    expect(upstreamCalls()).toBe(2);

    // Two owners whose keys share the cache: the second is answered with the first's answer.
    const [a, b] = await Promise.all([
      make('shared a', { maxAgeSeconds: 600, shared: true }),
      make('shared b', { maxAgeSeconds: 600, shared: true }),
    ]);
    const shared = { model: MODEL, messages: [{ role: 'user' as const, content: 'One answer for everyone' }] };
    const viaA = await new OpenAI({ apiKey: a.key, baseURL: gateway.baseURL, maxRetries: 0 }).chat.completions
      .create(shared)
      .withResponse();
    const viaB = await new OpenAI({ apiKey: b.key, baseURL: gateway.baseURL, maxRetries: 0 }).chat.completions
      .create(shared)
      .withResponse();
    expect([
      viaA.response.headers.get('x-orchestratex-cache'),
      viaB.response.headers.get('x-orchestratex-cache'),
    ]).toEqual(['miss', 'hit']);
    expect(viaB.data).toEqual(viaA.data);

    const bad = await gateway.env.t
      .http()
      .post('/api/keys')
      .set(admin)
      .send({ name: 'bad', limits: { cache: { maxAgeSeconds: 0 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('maxAgeSeconds');
    const nullShared = await gateway.env.t
      .http()
      .post('/api/keys')
      .set(admin)
      .send({ name: 'bad', limits: { cache: { maxAgeSeconds: 60, shared: null } } });
    expect([nullShared.status, nullShared.body.message]).toEqual([400, expect.stringContaining('shared')]);
  });
});

/** With REDIS_URL the cache is Redis's: an answer stored through one instance is a hit on another. */
describe('/v1 response cache shared by two instances', () => {
  let redis: RedisProcess;
  let sim: UpstreamSimulator;
  const apis: NodeProcess[] = [];

  beforeAll(async () => {
    buildDist();
    redis = await RedisProcess.start();
    sim = new UpstreamSimulator();
    const env = clusterEnvironment(await sim.listen(0), freshDatabaseUri(), redis.url);
    apis.push(...(await Promise.all([NodeProcess.api(env), NodeProcess.api(env)])));
  });
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.kill()));
    await sim?.close();
    await redis?.stop();
  });

  it('should answer a request made through one instance from the cache on the other', async () => {
    const key = (await call(apis[0].url, '/api/keys', { body: { name: 'cached' } })).body.key as string;
    const [a, b] = apis.map((api) => new OpenAI({ apiKey: key, baseURL: `${api.url}/v1`, maxRetries: 0 }));
    const first = await a.chat.completions.create({ model: MODEL, messages }, ask(600)).withResponse();
    expect(first.response.headers.get('x-orchestratex-cache')).toBe('miss');
    const second = await b.chat.completions.create({ model: MODEL, messages }, ask(600)).withResponse();
    expect(second.response.headers.get('x-orchestratex-cache')).toBe('hit');
    expect(second.data).toEqual(first.data);
    expect(sim.getStats().requests['gpt-5.4-mini']).toBe(1);
  });
});
