import OpenAI from 'openai';
import { UsageRecorder } from '../src/analytics/usage-recorder.js';
import { ADMIN_KEY } from './support/app.js';
import { auth } from './support/factories.js';
import { startGateway, type SimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the OpenAI-compatible endpoint (/v1), driven by the official openai SDK', () => {
  let env: SimulatedApp;
  let client: OpenAI;
  let key: string;
  let baseURL: string;

  beforeAll(async () => ({ env, client, key, baseURL } = await startGateway({ USAGE_FLUSH_INTERVAL_MS: '60000' })));
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  it('should list the available catalogue models and the orchestration strategies', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'openai/gpt-5.4-mini',
        'anthropic/claude-haiku-4-5',
        'orchestratex/improve',
        'orchestratex/route',
      ]),
    );
    expect(ids).not.toContain('ollama/llama3.3'); // not configured here
  });

  it('should answer a completion from an OpenAI model and from an Anthropic one, translated', async () => {
    env.sim.configure('gpt-5.4-mini', { cachedInputTokens: 4, reasoningTokens: 2 });
    const { data, response } = await client.chat.completions
      .create({ model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('openai/gpt-5.4-mini');
    expect(data.choices[0].message).toMatchObject({ role: 'assistant', content: expect.stringMatching(/\S/) });
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({
      completion_tokens: 24,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + 24);
    expect(response.headers.get('x-orchestratex-overhead-ms')).toMatch(/^\d+\.\d{2}$/);
    expect(env.sim.getStats().endpoints).toEqual({ '/v1/chat/completions': 1 });

    const claude = await client.chat.completions.create({
      model: 'anthropic/claude-haiku-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      max_tokens: 5,
    });
    expect(claude.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(claude.choices[0].finish_reason).toBe('length');
    expect(claude.usage!.completion_tokens).toBe(5);
    // The Anthropic model was reached through Anthropic's own API, translated.
    expect(env.sim.getStats().endpoints).toEqual({ '/v1/chat/completions': 1, '/v1/messages': 1 });
  });

  it('should stream: the role first, the text, the finish reason, the usage chunk, then [DONE]', async () => {
    for (const model of ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5']) {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Count to three' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks[0].choices[0].delta.role).toBe('assistant');
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text.length).toBeGreaterThan(0);
      const finishing = chunks.filter((c) => c.choices[0]?.finish_reason);
      expect(finishing.map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({ completion_tokens: 24 });
    }
  });

  it('should run an orchestration for orchestratex/<strategy> and say which run', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'orchestratex/route', messages: [{ role: 'user', content: 'What is the capital of Peru?' }] })
      .withResponse();
    const runId = response.headers.get('x-orchestratex-run-id');
    expect(runId).toMatch(/^[0-9a-f]{24}$/);
    const run = (await env.t.http().get(`/api/orchestrate/runs/${runId}`).set(auth(key)).expect(200)).body as Json;
    expect(run).toMatchObject({ status: 'succeeded', strategy: 'route' });
    expect(data.choices[0].message.content).toBe(run.answer);
    expect(data.usage!.completion_tokens).toBe(run.totals.outputTokens);

    const stream = await client.chat.completions.create({
      model: 'orchestratex/route',
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'Hello Ada.' },
        { role: 'user', content: 'What is my name?' },
      ],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const runs = (await env.t.http().get('/api/orchestrate/runs?limit=1').set(auth(key)).expect(200)).body as Json;
    const latest = (await env.t.http().get(`/api/orchestrate/runs/${runs.items[0].id}`).set(auth(key)).expect(200))
      .body as Json;
    expect(latest.steps[0].prompt.messages.slice(1, 3)).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello Ada.' },
    ]);
  });

  it('should answer errors in OpenAI format with the matching status', async () => {
    const error = async (promise: Promise<unknown>) =>
      (await promise.catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    const missing = await error(
      client.chat.completions.create({ model: 'openai/gpt-0', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });

    const badKey = await error(new OpenAI({ apiKey: 'orx_nope', baseURL, maxRetries: 0 }).models.list());
    expect(badKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(badKey.error).toMatchObject({ code: 'invalid_api_key', message: 'Invalid or revoked API key' });

    const invalid = await error(client.chat.completions.create({ model: 'openai/gpt-5.4-mini', messages: [] }));
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect(invalid.error).toMatchObject({ param: 'messages', message: 'messages must be a non-empty array' });

    env.sim.injectFault('gpt-5.4-mini', { type: '429', retryAfterSeconds: 0 }, 3);
    const limited = await error(
      client.chat.completions.create({ model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
  });

  it('should answer the edges of the /v1 routes in its clients’ shapes: unknown path, other method, bad body, no key', async () => {
    const raw = async (
      method: string,
      path: string,
      init: { body?: string; headers?: Record<string, string> } = {},
    ) => {
      const response = await fetch(`${baseURL}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
        body: init.body,
      });
      return { status: response.status, allow: response.headers.get('allow'), body: (await response.json()) as Json };
    };
    const unknown = await raw('POST', '/completions/legacy', { body: '{}' });
    expect([unknown.status, unknown.body.error?.message]).toEqual([404, 'Cannot POST /v1/completions/legacy']);
    const wrongMethod = await raw('GET', '/chat/completions');
    expect([wrongMethod.status, wrongMethod.allow]).toEqual([405, 'POST']);
    const malformed = await raw('POST', '/chat/completions', { body: '{"model": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringMatching(/JSON/),
    });
    const notAnObject = await raw('POST', '/chat/completions', { body: '[1, 2]' });
    expect([notAnObject.status, notAnObject.body.error?.message]).toEqual([
      400,
      expect.stringContaining('must be a JSON object'),
    ]);
    // The Messages routes answer in Anthropic's shape, before any body is read when the key is wrong.
    const noKey = await raw('POST', '/messages', { body: '{}', headers: { authorization: '' } });
    expect(noKey).toMatchObject({ status: 401, body: { type: 'error', error: { type: 'authentication_error' } } });
    const count = await raw('POST', '/messages/count_tokens', { body: '{"model": "openai/gpt-0", "messages": []}' });
    expect(count.body).toMatchObject({
      type: 'error',
      error: { type: expect.any(String), message: expect.any(String) },
    });
  });

  it('should fall back to the models named in fallbacks, and say which one answered', async () => {
    // `fallbacks` is LiteLLM's field; OpenAI's types do not know it, the SDK sends it as given.
    const withFallbacks = (body: Json) => body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const messages = [{ role: 'user', content: 'Say hello' }];
    env.sim.injectFault('grok-4.3', { type: '503' }, 3); // every attempt at the first model fails
    const answer = await client.chat.completions.create(
      withFallbacks({ model: 'xai/grok-4.3', fallbacks: ['anthropic/claude-haiku-4-5'], messages }),
    );
    expect(answer.model).toBe('anthropic/claude-haiku-4-5');
    expect(answer.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(env.sim.getStats().requests['grok-4.3']).toBe(3);

    // A model this server cannot call is passed over; the stream names the model that answers.
    const stream = await client.chat.completions.create({
      ...withFallbacks({ model: 'ollama/llama3.3', fallbacks: ['mistral/ministral-8b-2512'], messages }),
      stream: true,
    } as unknown as OpenAI.ChatCompletionCreateParamsStreaming);
    const models = new Set<string>();
    for await (const chunk of stream) models.add(chunk.model);
    expect([...models]).toEqual(['mistral/ministral-8b-2512']);

    const error = async (body: Json) =>
      (await client.chat.completions.create(withFallbacks(body)).catch((e: unknown) => e)) as InstanceType<
        typeof OpenAI.APIError
      >;
    const unknown = await error({ model: 'xai/grok-4.3', fallbacks: ['openai/gpt-0'], messages });
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ param: 'fallbacks[0]', code: 'model_not_found' });
    const malformed = await error({ model: 'xai/grok-4.3', fallbacks: 'anthropic/claude-haiku-4-5', messages });
    expect(malformed.status).toBe(400);
    expect(malformed.error).toMatchObject({ param: 'fallbacks', message: expect.stringContaining('array') });
    const none = await error({ model: 'ollama/llama3.3', fallbacks: ['ollama/qwen3'], messages });
    expect(none.status).toBe(400);
    expect(none.error).toMatchObject({
      param: 'model',
      code: 'model_not_available',
      message:
        "None of the models is available: 'ollama/llama3.3' (provider_not_configured), 'ollama/qwen3' (provider_not_configured)",
    });
  });

  it('should record every gateway call in usage', async () => {
    await client.chat.completions.create({
      model: 'mistral/mistral-small-2603',
      messages: [{ role: 'user', content: 'x' }],
    });
    await env.t.app.get(UsageRecorder).flush();
    const report = (await env.t.http().get('/api/analytics/usage?groupBy=model').set(auth(ADMIN_KEY)).expect(200))
      .body as Json;
    expect((report.groups as Json[]).find((g) => g.key === 'mistral/mistral-small-2603')).toMatchObject({
      calls: 1,
      failures: 0,
    });
  });
});
