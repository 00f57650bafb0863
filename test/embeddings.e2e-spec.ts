import { createOpenAI } from '@ai-sdk/openai';
import { OpenAIEmbeddings } from '@langchain/openai';
import { embedMany } from 'ai';
import OpenAI from 'openai';
import { ADMIN_KEY } from './support/app.js';
import { auth, createSession } from './support/factories.js';
import { startGateway, type SimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SMALL = 'openai/text-embedding-3-small';
const MISTRAL = 'mistral/mistral-embed';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);

describe('POST /v1/embeddings: embedding models of the catalogue, priced and recorded', () => {
  let env: SimulatedApp;
  let client: OpenAI;
  let key: string;
  let baseURL: string;

  beforeAll(async () => ({ env, client, key, baseURL } = await startGateway()));
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  it('should list the embedding models with their kind and catalogue prices', async () => {
    const res = await env.t.http().get('/api/models?kind=embedding').set(auth(key)).expect(200);
    const models = res.body as Json[];
    expect(models.map((m) => m.id).sort()).toEqual([MISTRAL, 'openai/text-embedding-3-large', SMALL]);
    for (const m of models) {
      expect(m).toMatchObject({ kind: 'embedding', roles: [] });
      expect(m.pricing.inputPerMTok).toBeGreaterThan(0);
      expect(m.pricing.source).toContain('genai-prices');
    }
    const chat = (await env.t.http().get('/api/models?kind=chat').set(auth(key)).expect(200)).body as Json;
    expect((chat as unknown as Json[]).every((m) => m.kind === 'chat')).toBe(true);
  });

  it('should embed with the openai SDK (which asks for base64 and decodes it): one vector per input, the same text the same vector', async () => {
    const res = await client.embeddings.create({ model: SMALL, input: ['the sea', 'the sea', 'a mountain'] });
    expect(res.model).toBe(SMALL);
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const d of res.data) expect(d.embedding).toHaveLength(1536);
    expect(res.data[0].embedding).toEqual(res.data[1].embedding);
    expect(cosine(res.data[0].embedding, res.data[0].embedding)).toBeCloseTo(1, 5);
    expect(cosine(res.data[0].embedding, res.data[2].embedding)).toBeLessThan(0.5);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    expect(env.sim.getStats().endpoints['/v1/embeddings']).toBe(1);

    // As floats when asked, the same numbers (float32) as base64 gave; `dimensions` honoured.
    const floats = await client.embeddings.create({ model: SMALL, input: 'the sea', encoding_format: 'float' });
    expect(floats.data[0].embedding).toEqual(res.data[0].embedding);
    const short = await client.embeddings.create({ model: SMALL, input: 'the sea', dimensions: 256 });
    expect(short.data[0].embedding).toHaveLength(256);
  });

  it('should answer a plain HTTP client in floats by default, as OpenAI does', async () => {
    const res = await env.t
      .http()
      .post('/v1/embeddings')
      .set(auth(key))
      .send({ model: MISTRAL, input: 'hello' })
      .expect(200);
    const body = res.body as Json;
    expect(body).toMatchObject({ object: 'list', model: MISTRAL });
    expect(body.data[0].embedding).toHaveLength(1024);
    expect(typeof body.data[0].embedding[0]).toBe('number');
    expect(res.headers['x-orchestratex-model']).toBe(MISTRAL);
  });

  it('should serve the Vercel AI SDK and LangChain embedding clients', async () => {
    const provider = createOpenAI({ apiKey: key, baseURL });
    const { embeddings, usage } = await embedMany({
      model: provider.embedding(SMALL),
      values: ['red', 'green', 'blue'],
    });
    expect(embeddings).toHaveLength(3);
    expect(embeddings[0]).toHaveLength(1536);
    expect(usage.tokens).toBeGreaterThan(0);

    const langchain = new OpenAIEmbeddings({ model: MISTRAL, apiKey: key, configuration: { baseURL } });
    const [vector] = await langchain.embedDocuments(['red']);
    expect(vector).toHaveLength(1024);
    expect(await langchain.embedQuery('red')).toEqual(vector);
  });

  it('should record each embeddings call with its tokens and cost, under the key, in analytics', async () => {
    const created = await env.t.http().post('/api/keys').set(auth(ADMIN_KEY)).send({ name: 'embedder' }).expect(201);
    const { id, key: own } = created.body as { id: string; key: string };
    const mine = new OpenAI({ apiKey: own, baseURL, maxRetries: 0 });
    const res = await mine.embeddings.create({ model: SMALL, input: ['one', 'two'] });
    const spent = ((await env.t.http().get(`/api/keys/${id}`).set(auth(ADMIN_KEY)).expect(200)).body as Json).spend;
    // text-embedding-3-small: $0.02 per million input tokens.
    expect(spent.usdTotal).toBeCloseTo((res.usage.prompt_tokens * 0.02) / 1e6, 12);

    let group: Json | undefined;
    for (let i = 0; i < 50 && group === undefined; i++) {
      const usage = (await env.t.http().get('/api/analytics/usage?groupBy=model').set(auth(own)).expect(200))
        .body as Json;
      group = (usage.groups as Json[]).find((g) => g.key === SMALL);
      if (group === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(group).toMatchObject({ calls: 1, inputTokens: res.usage.prompt_tokens, outputTokens: 0 });
    expect(group?.costUsd).toBeCloseTo(spent.usdTotal as number, 12);
  });

  it('should refuse what cannot be embedded with a 400 naming it, and keep embedding models out of chat and runs', async () => {
    const post = (body: Json) => env.t.http().post('/v1/embeddings').set(auth(key)).send(body);
    expect(((await post({ input: 'x' }).expect(400)).body as Json).error.param).toBe('model');
    expect(((await post({ model: SMALL }).expect(400)).body as Json).error.param).toBe('input');
    expect(((await post({ model: SMALL, input: [] }).expect(400)).body as Json).error.param).toBe('input');
    const chatModel = (await post({ model: 'openai/gpt-5.4-mini', input: 'x' }).expect(400)).body as Json;
    expect(chatModel.error.message).toContain('is a chat model');
    await post({ model: 'openai/no-such-embedder', input: 'x' }).expect(404);
    // A field the provider refuses comes back as its 400.
    const tooLong = (await post({ model: SMALL, input: 'x', dimensions: 5000 }).expect(400)).body as Json;
    expect(tooLong.error.message).toContain('dimensions');

    const chat = await env.t
      .http()
      .post('/v1/chat/completions')
      .set(auth(key))
      .send({ model: SMALL, messages: [{ role: 'user', content: 'Hi' }] })
      .expect(400);
    expect((chat.body as Json).error.message).toContain('POST /v1/embeddings');
    const sessionId = (await createSession(env.t, key)).id;
    const run = await env.t
      .http()
      .post('/api/orchestrate')
      .set(auth(key))
      .send({ sessionId, prompt: 'Hi', strategy: 'route', models: [SMALL] })
      .expect(400);
    expect((run.body as Json).message).toContain('is an embedding model');
  });

  it('should hold embeddings to the key: a model outside its allow-list is 403', async () => {
    const created = await env.t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'chat only', limits: { models: ['openai/gpt-*'] } })
      .expect(201);
    const res = await env.t
      .http()
      .post('/v1/embeddings')
      .set(auth((created.body as { key: string }).key))
      .send({ model: SMALL, input: 'x' })
      .expect(403);
    expect((res.body as Json).error.code).toBe('model_not_allowed');
  });
});
