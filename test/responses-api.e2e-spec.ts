import OpenAI from 'openai';
import { auth } from './support/factories.js';
import { specErrors, streamEventErrors } from './support/openai-spec.js';
import { startGateway, type SimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** OpenAI's own model (passed through to its Responses API), and two translated onto a chat API. */
const MODELS: [string, string][] = [
  ['openai/gpt-5.4-mini', '/v1/responses'],
  ['mistral/mistral-small-2603', '/v1/chat/completions'],
  ['anthropic/claude-haiku-4-5', '/v1/messages'],
];

const WEATHER: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  strict: true,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
};

describe('POST /v1/responses: the Responses API on every catalogue chat model', () => {
  let env: SimulatedApp;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => ({ env, client, key } = await startGateway()));
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  describe.each(MODELS)('%s (upstream %s)', (model, upstream) => {
    it('should answer responses.create with output_text and usage, through the upstream API it has', async () => {
      const res = await client.responses.create({ model, input: 'Say hello', instructions: 'Be brief.' });
      expect(res.object).toBe('response');
      // OpenAI's own document holds the Response, whichever upstream API answered it.
      expect(specErrors('Response', res)).toEqual([]);
      expect(res.model).toBe(model);
      expect(res.status).toBe('completed');
      expect(res.output_text.length).toBeGreaterThan(0);
      expect(res.usage?.input_tokens).toBeGreaterThan(0);
      expect(res.usage?.output_tokens).toBeGreaterThan(0);
      expect(env.sim.getStats().endpoints[upstream]).toBe(1);
    });

    it('should run a two-step function tool loop: a function_call, then an answer from its output', async () => {
      const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'What is the weather in Lima?' }];
      const first = await client.responses.create({ model, input, tools: [WEATHER] });
      const calls = first.output.filter(
        (o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call',
      );
      expect(calls).toHaveLength(1);
      expect(calls[0].name).toBe('get_weather');
      const args = JSON.parse(calls[0].arguments) as { city: unknown; unit: unknown };
      expect(typeof args.city).toBe('string');
      expect(['celsius', 'fahrenheit']).toContain(args.unit);

      // The output goes back as input, as an agent loop does.
      input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {
        type: 'function_call_output',
        call_id: calls[0].call_id,
        output: 'sunny, 21 C',
      });
      const second = await client.responses.create({ model, input, tools: [WEATHER] });
      expect(second.output_text).toContain('sunny, 21 C');
    });

    it('should stream its events in order: text deltas, then response.completed with the whole output', async () => {
      const stream = client.responses.stream({ model, input: 'Tell me about the sea' });
      const types: string[] = [];
      const sequence: number[] = [];
      const deltas: string[] = [];
      for await (const event of stream) {
        expect([event.type, streamEventErrors(event)]).toEqual([event.type, []]);
        types.push(event.type);
        sequence.push(event.sequence_number);
        if (event.type === 'response.output_text.delta') deltas.push(event.delta);
      }
      const final = await stream.finalResponse();
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      expect(sequence).toEqual(sequence.map((_, i) => i));
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe(final.output_text);
      expect(final.model).toBe(model);
      expect(final.usage?.output_tokens).toBeGreaterThan(0);
    });

    it('should stream a function call: its arguments in pieces, the item complete at the end', async () => {
      const stream = client.responses.stream({
        model,
        input: 'Weather in Oslo?',
        tools: [WEATHER],
        tool_choice: { type: 'function', name: 'get_weather' },
      });
      const pieces: string[] = [];
      for await (const event of stream) {
        expect([event.type, streamEventErrors(event)]).toEqual([event.type, []]);
        if (event.type === 'response.function_call_arguments.delta') pieces.push(event.delta);
      }
      const final = await stream.finalResponse();
      const call = final.output.find((o) => o.type === 'function_call');
      expect(call?.type === 'function_call' && call.name).toBe('get_weather');
      expect(pieces.length).toBeGreaterThan(1);
      expect(call?.type === 'function_call' && call.arguments).toBe(pieces.join(''));
    });
  });

  it('should take structured output (text.format json_schema) to a translated model', async () => {
    const res = await client.responses.create({
      model: 'mistral/mistral-small-2603',
      input: 'A city and its population',
      text: {
        format: {
          type: 'json_schema',
          name: 'city',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, population: { type: 'integer' } },
            required: ['name', 'population'],
            additionalProperties: false,
          },
        },
      },
    });
    const value = JSON.parse(res.output_text) as { name: unknown; population: unknown };
    expect(typeof value.name).toBe('string');
    expect(Number.isInteger(value.population)).toBe(true);
  });

  it('should refuse what a stateless gateway or a translated model cannot honour, naming it', async () => {
    const post = (body: Json) => env.t.http().post('/v1/responses').set(auth(key)).send(body);
    const stored = (await post({ model: MODELS[0][0], input: 'Hi', previous_response_id: 'resp_1' }).expect(400))
      .body as Json;
    expect(stored.error.param).toBe('previous_response_id');
    const builtIn = (await post({ model: MODELS[1][0], input: 'Hi', tools: [{ type: 'web_search' }] }).expect(400))
      .body as Json;
    expect(builtIn.error.message).toContain('tools[0]');
    const unknown = (await post({ model: MODELS[2][0], input: 'Hi', frobnicate: true }).expect(400)).body as Json;
    expect(unknown.error.param).toBe('frobnicate');
    await post({ model: MODELS[0][0] }).expect(400);
    await post({ model: 'openai/nope', input: 'Hi' }).expect(404);
  });
});
