import Anthropic from '@anthropic-ai/sdk';
import { ADMIN_KEY } from './support/app.js';
import { auth } from './support/factories.js';
import { startGateway, type SimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An Anthropic model (its body goes as it is) and an OpenAI one (translated onto Chat Completions). */
const MODELS = ['anthropic/claude-haiku-4-5', 'openai/gpt-5.4-mini'];

const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
  },
};
// A 1×1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('POST /v1/messages: the Anthropic SDK on every catalogue model', () => {
  let env: SimulatedApp;
  let key: string;
  let client: Anthropic;
  let baseURL: string;

  beforeAll(async () => {
    ({ env, key, baseURL } = await startGateway());
    // The SDK appends /v1/messages to its base URL, and sends the key as x-api-key.
    client = new Anthropic({ apiKey: key, baseURL: baseURL.replace(/\/v1$/, ''), maxRetries: 0 });
  });
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  describe.each(MODELS)('%s', (model) => {
    it('should run a two-step tool loop with messages.create: tool_use, then an answer from its tool_result', async () => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Lima?' }];
      const first = await client.messages.create({ model, max_tokens: 256, messages, tools: [WEATHER] });
      expect(first.model).toBe(model);
      expect(first.type).toBe('message');
      expect(first.stop_reason).toBe('tool_use');
      const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      expect(uses).toHaveLength(1);
      expect(uses[0].name).toBe('get_weather');
      const input = uses[0].input as { city: unknown; unit: unknown };
      expect(typeof input.city).toBe('string');
      expect(['celsius', 'fahrenheit']).toContain(input.unit);
      expect(first.usage.input_tokens).toBeGreaterThan(0);

      messages.push(
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: uses[0].id, content: 'sunny, 21 C' }] },
      );
      const second = await client.messages.create({ model, max_tokens: 256, messages, tools: [WEATHER] });
      expect(second.stop_reason).toBe('end_turn');
      const text = second.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      expect(text).toContain('sunny, 21 C');
    });

    it('should stream with messages.stream: text as it comes, then the final message', async () => {
      const stream = client.messages.stream({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Hello there' }],
      });
      const pieces: string[] = [];
      stream.on('text', (text) => pieces.push(text));
      const final = await stream.finalMessage();
      expect(pieces.length).toBeGreaterThan(1);
      const text = final.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      expect(pieces.join('')).toBe(text);
      expect(final.model).toBe(model);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBeGreaterThan(0);
    });

    it('should stream a tool call: its input in input_json_delta pieces, parsed by the SDK', async () => {
      const stream = client.messages.stream({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        tools: [WEATHER],
        tool_choice: { type: 'tool', name: 'get_weather' },
      });
      const partials: string[] = [];
      stream.on('inputJson', (partial) => partials.push(partial));
      const final = await stream.finalMessage();
      expect(final.stop_reason).toBe('tool_use');
      const use = final.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      expect(use?.name).toBe('get_weather');
      expect(partials.length).toBeGreaterThan(1);
      expect(JSON.parse(partials.join(''))).toEqual(use?.input);
    });

    it('should take an image block to the provider (base64 inline, a URL by reference)', async () => {
      const answer = await client.messages.create({
        model,
        max_tokens: 256,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      });
      const text = answer.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      expect(text).toContain(
        `I see 2 images (image/png, ${Buffer.from(PNG, 'base64').length} bytes; https://example.com/cat.jpg)`,
      );
    });
  });

  it('should refuse, in Anthropic error shape, what the target cannot honour or the API requires', async () => {
    const post = (body: Json, headers: Record<string, string> = { 'x-api-key': key }) =>
      env.t.http().post('/v1/messages').set(headers).send(body);
    const noMax = (await post({ model: MODELS[1], messages: [{ role: 'user', content: 'Hi' }] }).expect(400))
      .body as Json;
    expect(noMax).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') },
    });
    const topK = (
      await post({ model: MODELS[1], max_tokens: 10, top_k: 5, messages: [{ role: 'user', content: 'Hi' }] }).expect(
        400,
      )
    ).body as Json;
    expect(topK.error.message).toContain('top_k');
    const unknown = (
      await post({ model: 'openai/nope', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).expect(404)
    ).body as Json;
    expect(unknown.error.type).toBe('not_found_error');
    const noKey = (await post({ model: MODELS[0], max_tokens: 10, messages: [] }, {}).expect(401)).body as Json;
    expect(noKey.error.type).toBe('authentication_error');

    await expect(
      client.messages.create({
        model: MODELS[1],
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hi' }],
        thinking: { type: 'enabled', budget_tokens: 1024 },
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("should hold the Messages API to the key's limits: 429 with Retry-After for rpm, 403 for a model it may not use", async () => {
    const created = await env.t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'claude client', limits: { rpm: 1, models: ['anthropic/*'] } })
      .expect(201);
    const limited = new Anthropic({
      apiKey: (created.body as { key: string }).key,
      baseURL: client.baseURL,
      maxRetries: 0,
    });
    const ask = (model: string) =>
      limited.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] });
    await expect(ask(MODELS[1])).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    await ask(MODELS[0]);
    const refused = await ask(MODELS[0]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(
      Number((refused as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')),
    ).toBeGreaterThan(0);
  });

  it('should run orchestratex/improve through the Messages API, whole and streamed live', async () => {
    const whole = await client.messages.create({
      model: 'orchestratex/improve',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Write a haiku about rain' }],
    });
    const { data: answer, response } = await client.messages
      .create({ model: 'orchestratex/route', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(response.headers.get('x-orchestratex-run-id')).toMatch(/^[0-9a-f]{24}$/);
    expect(answer.content[0].type).toBe('text');
    expect(whole.model).toBe('orchestratex/improve');
    const runId = whole.id.replace(/^msg_/, '');
    const run = (await env.t.http().get(`/api/orchestrate/runs/${runId}`).set(auth(key)).expect(200)).body as Json;
    expect(whole.content).toEqual([{ type: 'text', text: run.answer }]);
    expect(whole.usage).toMatchObject({ input_tokens: run.totals.inputTokens, output_tokens: run.totals.outputTokens });

    env.sim.configure('*', { ttftMs: 100, tokenMs: 5 });
    const stream = client.messages.stream({
      model: 'orchestratex/improve',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Write a haiku about snow' }],
    });
    const pieces: string[] = [];
    stream.on('text', (text) => pieces.push(text));
    const final = await stream.finalMessage();
    const streamedRun = (
      await env.t
        .http()
        .get(`/api/orchestrate/runs/${final.id.replace(/^msg_/, '')}`)
        .set(auth(key))
        .expect(200)
    ).body as Json;
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(streamedRun.answer);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(streamedRun.totals.outputTokens);
  });
});
