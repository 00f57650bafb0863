import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI } from '@langchain/openai';
import { generateObject, generateText, stepCountIs, tool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import { auth } from './support/factories.js';
import { startGateway, type SimulatedApp } from './support/simulated.js';

/** The two protocols: an OpenAI model's body goes as it is, an Anthropic model's is translated. */
const MODELS = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5'];

const WEATHER_TOOL: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
// A 1×1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('the gateway for agent clients: tools, images and schemas on both protocols', () => {
  let env: SimulatedApp;
  let client: OpenAI;
  let key: string;
  let baseURL: string;

  beforeAll(async () => ({ env, client, key, baseURL } = await startGateway()));
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  describe.each(MODELS)('%s', (model) => {
    it('should run a two-step tool loop with the openai SDK: a call, then an answer from its result', async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Lima?' }];
      const first = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL] });
      expect(first.model).toBe(model);
      const [choice] = first.choices;
      expect(choice.finish_reason).toBe('tool_calls');
      const calls = choice.message.tool_calls ?? [];
      expect(calls).toHaveLength(1);
      const call = calls[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect(call.function.name).toBe('get_weather');
      const args = JSON.parse(call.function.arguments) as { city: unknown; unit: unknown };
      expect(typeof args.city).toBe('string');
      expect(['celsius', 'fahrenheit']).toContain(args.unit);

      messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' });
      const second = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL] });
      expect(second.choices[0].finish_reason).toBe('stop');
      expect(second.choices[0].message.content).toContain('sunny, 21 C');
      expect(second.usage?.prompt_tokens).toBeGreaterThan(0);
    });

    it('should stream a tool call: its id and name first, then its arguments in pieces', async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        stream: true,
        stream_options: { include_usage: true },
      });
      let name = '';
      let id = '';
      const pieces: string[] = [];
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        usage ??= chunk.usage;
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          expect(delta.index).toBe(0);
          if (delta.id) id = delta.id;
          if (delta.function?.name) name = delta.function.name;
          if (delta.function?.arguments) pieces.push(delta.function.arguments);
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(name).toBe('get_weather');
      expect(id).not.toBe('');
      expect(pieces.length).toBeGreaterThan(1);
      expect(JSON.parse(pieces.join(''))).toEqual({ city: expect.any(String), unit: expect.any(String) });
      expect(finish).toBe('tool_calls');
      expect(usage?.completion_tokens).toBeGreaterThan(0);
    });

    it('should take an image part to the provider (a data URL; an https URL by reference)', async () => {
      const answer = await client.chat.completions.create({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this picture?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      });
      // The simulator says what it received: the PNG's bytes, decoded, and the URL.
      expect(answer.choices[0].message.content).toContain(
        `I see 2 images (image/png, ${Buffer.from(PNG, 'base64').length} bytes; https://example.com/cat.jpg)`,
      );
    });

    it('should answer with an object of the schema asked for (json_schema), in message.content', async () => {
      const schema = {
        type: 'object',
        properties: { title: { type: 'string' }, year: { type: 'integer', minimum: 1900, maximum: 2030 } },
        required: ['title', 'year'],
        additionalProperties: false,
      };
      const answer = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Name a film' }],
        response_format: { type: 'json_schema', json_schema: { name: 'film', schema, strict: true } },
      });
      const film = JSON.parse(answer.choices[0].message.content ?? '') as { title: unknown; year: number };
      expect(typeof film.title).toBe('string');
      expect(Number.isInteger(film.year) && film.year >= 1900 && film.year <= 2030).toBe(true);
      expect(env.sim.getStats().formats).toEqual(
        model.startsWith('openai/') ? { 'json_schema:film': 1 } : { json_schema: 1 },
      );
    });

    it('should run tools and generateObject through the Vercel AI SDK', async () => {
      const provider = createOpenAI({ baseURL, apiKey: key });
      const result = await generateText({
        model: provider.chat(model),
        prompt: 'What is the weather in Quito?',
        tools: {
          get_weather: tool({
            description: 'The weather in a city',
            inputSchema: z.object({ city: z.string() }),
            execute: ({ city }) => Promise.resolve({ city, forecast: 'light rain, 14 C' }),
          }),
        },
        stopWhen: stepCountIs(2),
      });
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0].toolCalls.map((c) => c.toolName)).toEqual(['get_weather']);
      expect(result.text).toContain('light rain, 14 C');

      const { object } = await generateObject({
        model: provider.chat(model),
        schema: z.object({ name: z.string(), tags: z.array(z.string()) }),
        prompt: 'Describe a cat',
      });
      expect(object).toEqual({ name: expect.any(String), tags: expect.any(Array) });
    });

    it('should bind tools and give structured output through LangChain', async () => {
      const chat = new ChatOpenAI({ model, apiKey: key, configuration: { baseURL }, maxRetries: 0 });
      const answer = await chat
        .bindTools([WEATHER_TOOL])
        .invoke([{ role: 'user', content: 'What is the weather in Bogota?' }]);
      expect(answer.tool_calls?.map((c) => c.name)).toEqual(['get_weather']);
      expect(answer.tool_calls?.[0].args).toEqual({ city: expect.any(String), unit: expect.any(String) });

      const structured = chat.withStructuredOutput(z.object({ answer: z.string(), confidence: z.number() }), {
        method: 'jsonSchema',
      });
      expect(await structured.invoke('Is water wet?')).toEqual({
        answer: expect.any(String),
        confidence: expect.any(Number),
      });
    });
  });

  /** A streamed orchestratex completion as the bytes arrive: when each SSE block came, and what it held. */
  async function streamedRun(model: string): Promise<{ blocks: { at: number; text: string }[]; runId: string }> {
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Explain why the sky is blue' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(response.status).toBe(200);
    const blocks: { at: number; text: string }[] = [];
    let buffered = '';
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += Buffer.from(bytes).toString('utf8');
      const parts = buffered.split('\n\n');
      buffered = parts.pop() ?? '';
      for (const text of parts) blocks.push({ at: Date.now(), text });
    }
    return { blocks, runId: response.headers.get('x-orchestratex-run-id') ?? '' };
  }
  const contentOf = (blocks: { text: string }[]) =>
    blocks
      .filter((b) => b.text.startsWith('data: {'))
      .map((b) => JSON.parse(b.text.slice(6)) as OpenAI.ChatCompletionChunk)
      .filter((c) => typeof c.choices[0]?.delta.content === 'string' && c.choices[0].delta.content !== '');
  const runOf = async (runId: string) =>
    (await env.t.http().get(`/api/orchestrate/runs/${runId}`).set(auth(key)).expect(200)).body as {
      answer: string;
      totals: { calls: number; costUsd: number };
      steps: { role: string; startedAt: string; endedAt: string }[];
    };

  it('should stream orchestratex/improve live: bytes before its first step ends, the answer in several chunks', async () => {
    env.sim.configure('*', { ttftMs: 300, tokenMs: 5 });
    const { blocks, runId } = await streamedRun('orchestratex/improve');
    const run = await runOf(runId);
    expect(blocks[0].at).toBeLessThan(Date.parse(run.steps[0].endedAt));
    // Stage progress as comments while it runs.
    expect(blocks.some((b) => b.text.startsWith(': step.started s1 primary '))).toBe(true);
    const chunks = contentOf(blocks);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.choices[0].delta.content).join('')).toBe(run.answer);
    // The usage is the whole run's, and says so.
    const usage = blocks.find((b) => b.text.includes('"usage"'));
    expect(JSON.parse(usage?.text.slice(6) ?? '{}')).toMatchObject({
      orchestratex: { runId, calls: run.totals.calls, costUsd: run.totals.costUsd },
    });
    expect(blocks.at(-1)?.text).toBe('data: [DONE]');
  });

  it("should stream orchestratex/route's answer as its model writes it, before that step ends", async () => {
    env.sim.configure('*', { tokenMs: 20 });
    const { blocks, runId } = await streamedRun('orchestratex/route');
    const run = await runOf(runId);
    const chunks = contentOf(blocks);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.map((c) => c.choices[0].delta.content).join('')).toBe(run.answer);
    const firstText = blocks.find(
      (b) => b.text.startsWith('data: {') && b.text.includes('"content":"') && !b.text.includes('"content":""'),
    );
    expect(firstText?.at).toBeLessThan(Date.parse(run.steps[0].endedAt));
  });

  it('should retrieve one model by id (GET /v1/models/{id}), and 404 one it does not list', async () => {
    for (const id of [...MODELS, 'orchestratex/council']) {
      expect(await client.models.retrieve(id)).toMatchObject({ id, object: 'model' });
    }
    const raw = await fetch(`${baseURL}/models/openai/gpt-5.4-mini`, { headers: { authorization: `Bearer ${key}` } });
    expect(await raw.json()).toMatchObject({ id: 'openai/gpt-5.4-mini', owned_by: 'openai' });
    const missing = await client.models.retrieve('openai/gpt-0').then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(missing?.status).toBe(404);
    expect(missing?.code).toBe('model_not_found');
  });

  it('should refuse, naming it, a field an Anthropic model cannot honour, and pass it to an OpenAI one', async () => {
    const body = { messages: [{ role: 'user' as const, content: 'hi' }], seed: 7, frequency_penalty: 0.5 };
    const refused = await client.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', ...body }).then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(refused?.status).toBe(400);
    expect(refused?.message).toContain('seed: Anthropic models cannot honour it');
    const passed = await client.chat.completions.create({ model: 'openai/gpt-5.4-mini', ...body });
    expect(passed.choices[0].finish_reason).toBe('stop');
  });
});
