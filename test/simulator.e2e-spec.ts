import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { UpstreamSimulator } from '../simulator/simulator.js';

describe('Upstream simulator, through the official SDKs', () => {
  const sim = new UpstreamSimulator({ outputTokens: 12 });
  let url: string;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    url = await sim.listen();
    openai = new OpenAI({ apiKey: 'sk-sim', baseURL: `${url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'sk-ant-sim', baseURL: url, maxRetries: 0 });
  });
  beforeEach(() => sim.reset());
  afterAll(() => sim.close());

  const messages = [{ role: 'user' as const, content: 'Explain binary search in one paragraph.' }];

  it('should answer an OpenAI chat completion deterministically with honest usage', async () => {
    const a = await openai.chat.completions.create({ model: 'sim-small', messages });
    const b = await openai.chat.completions.create({ model: 'sim-small', messages });
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    expect(a.choices[0].message.content?.split(' ')).toHaveLength(12);
    expect(a.choices[0].finish_reason).toBe('stop');
    expect(a.usage).toMatchObject({ completion_tokens: 12, total_tokens: (a.usage?.prompt_tokens ?? 0) + 12 });
    expect(a.usage?.prompt_tokens).toBeGreaterThan(5);
  });

  it('should stream OpenAI chunks: role first, text, finish reason, usage, [DONE]', async () => {
    const stream = await openai.chat.completions.create({
      model: 'sim-small',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    const whole = await openai.chat.completions.create({ model: 'sim-small', messages });
    expect(text).toBe(whole.choices[0].message.content);
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(12);
  });

  it('should cut at max_tokens with finish_reason length', async () => {
    const res = await openai.chat.completions.create({ model: 'sim-small', messages, max_tokens: 5 });
    expect(res.choices[0].finish_reason).toBe('length');
    expect(res.usage?.completion_tokens).toBe(5);
  });

  it('should answer and stream Anthropic messages with the real event sequence', async () => {
    const msg = await anthropic.messages.create({ model: 'sim-medium', max_tokens: 100, messages });
    expect(msg.content[0]).toMatchObject({ type: 'text' });
    expect(msg.usage.output_tokens).toBe(12);
    expect(msg.stop_reason).toBe('end_turn');

    const events: string[] = [];
    let text = '';
    const stream = anthropic.messages.stream({ model: 'sim-medium', max_tokens: 100, messages });
    stream.on('streamEvent', (event) => events.push(event.type));
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe(msg.content[0].type === 'text' ? msg.content[0].text : '');
    expect(final.usage.output_tokens).toBe(12);
    expect(events.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
    expect(events.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);

    // The SDK swallows ping events; the raw stream shows the whole sequence.
    const raw = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-sim', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'sim-medium', max_tokens: 3, stream: true, messages }),
    });
    const names = [...(await raw.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('should answer a request for a JSON evaluation with valid JSON of that shape', async () => {
    const res = await openai.chat.completions.create({
      model: 'sim-large',
      messages: [{ role: 'system', content: 'Respond with JSON only.' }, ...messages],
      response_format: { type: 'json_object' },
    });
    const parsed = JSON.parse(res.choices[0].message.content ?? '') as {
      scores: Record<string, number>;
      simulated: boolean;
    };
    expect(Object.keys(parsed.scores).sort()).toEqual([
      'accuracy',
      'clarity',
      'completeness',
      'domain_expertise',
      'relevance',
    ]);
    expect(Object.values(parsed.scores).every((s) => s >= 1 && s <= 10)).toBe(true);
    expect(parsed.simulated).toBe(true);
  });

  it('should serve queued faults: 429 with Retry-After, then a normal answer', async () => {
    sim.injectFault('sim-small', { type: '429', retryAfterSeconds: 7 });
    const error = await openai.chat.completions.create({ model: 'sim-small', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    const after = await openai.chat.completions.create({ model: 'sim-small', messages });
    expect(after.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant' } });
    expect(after.choices[0].message.content).toMatch(/\S/);
    expect(sim.getStats()).toMatchObject({ faultsServed: 1, requests: { 'sim-small': 2 } });
  });

  it('should break a stream mid-way with a reset or a malformed chunk', async () => {
    sim.injectFault('sim-small', { type: 'reset', afterTokens: 3 });
    const reset = await openai.chat.completions.create({ model: 'sim-small', messages, stream: true });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const c of reset) got.push(c.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow();
    expect(got.join('').length).toBeGreaterThan(0);

    sim.injectFault('sim-small', { type: 'malformed', afterTokens: 1 });
    const malformed = await openai.chat.completions.create({ model: 'sim-small', messages, stream: true });
    await expect(
      (async () => {
        for await (const c of malformed) void c;
      })(),
    ).rejects.toThrow();
  });

  it('should list its models as simulated', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.owned_by)).toEqual([
      'orchestratex-simulator',
      'orchestratex-simulator',
      'orchestratex-simulator',
    ]);
  });
});

describe('npm run demo with the simulator’s port taken', () => {
  it('should say which port is taken and which variable picks another, not throw an unhandled error', async () => {
    const holder = new UpstreamSimulator();
    const url = await holder.listen(0);
    const port = Number(new URL(url).port);
    try {
      await expect(new UpstreamSimulator().listen(port)).rejects.toThrow(
        `port ${port} on 127.0.0.1 is taken: stop what uses it, or set SIM_PORT to another port (0: any free one)`,
      );
    } finally {
      await holder.close();
    }
  });
});
