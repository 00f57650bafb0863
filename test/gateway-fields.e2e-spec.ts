import Anthropic from '@anthropic-ai/sdk';
import { ADMIN_KEY } from './support/app.js';
import { auth } from './support/factories.js';
import { startGateway } from './support/simulated.js';

/**
 * What real clients send on every call: fields whose value asks for nothing (an empty list, false,
 * 0, null, "disabled", ["text"]) are accepted on the translated paths, where the target cannot
 * honour the field; a value that would change the answer is still a 400 naming it.
 */
describe('/v1 and the fields clients send that ask for nothing', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gateway = await startGateway();
    anthropic = new Anthropic({ apiKey: gateway.key, baseURL: gateway.baseURL.replace(/\/v1$/, ''), maxRetries: 0 });
  });
  afterAll(() => gateway.env.close());

  const refusal = (call: Promise<unknown>) =>
    call.then(
      () => null,
      (e: unknown) => e as { status?: number; message: string },
    );

  it('should take no-op Chat Completions fields to an Anthropic model, and refuse the ones that change the answer', async () => {
    const messages = [{ role: 'user' as const, content: 'Say hi' }];
    const answer = await gateway.client.chat.completions.create({
      model: 'anthropic/claude-haiku-4-5',
      messages,
      presence_penalty: 0,
      frequency_penalty: 0,
      logit_bias: {},
      modalities: ['text'],
      logprobs: false,
      top_logprobs: 0,
      seed: null,
    });
    expect(answer.choices[0].finish_reason).toBe('stop');
    expect(answer.choices[0].message.content).not.toBe('');

    const changes: [string, Record<string, unknown>][] = [
      ['presence_penalty', { presence_penalty: 0.5 }],
      ['logit_bias', { logit_bias: { '50256': -100 } }],
      ['modalities', { modalities: ['text', 'audio'] }],
      ['top_logprobs', { logprobs: true, top_logprobs: 3 }],
    ];
    for (const [field, extra] of changes) {
      const refused = await refusal(
        gateway.client.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', messages, ...extra }),
      );
      expect([field, refused?.status]).toEqual([field, 400]);
      expect(refused?.message).toMatch(/Anthropic models cannot honour it/);
    }
  });

  it('should take the OpenAI Agents SDK’s Responses defaults to a model without Responses, and refuse real asks', async () => {
    const base = { model: 'anthropic/claude-haiku-4-5', input: 'Say hi' };
    const response = await gateway.client.responses.create({
      ...base,
      include: [],
      truncation: 'disabled',
      top_logprobs: 0,
      background: false,
      previous_response_id: null,
      store: false,
    });
    expect(response.status).toBe('completed');
    expect(response.output_text).not.toBe('');

    const changes: [string, Record<string, unknown>][] = [
      ['include', { include: ['reasoning.encrypted_content'] }],
      ['truncation', { truncation: 'auto' }],
      ['background', { background: true }],
      ['top_logprobs', { top_logprobs: 2 }],
    ];
    for (const [field, extra] of changes) {
      const refused = await refusal(gateway.client.responses.create({ ...base, ...extra }));
      expect([field, refused?.status]).toEqual([field, 400]);
      expect(refused?.message).toContain(field);
    }
  });

  it('should take Messages fields that ask for nothing to an OpenAI-compatible model, and refuse thinking', async () => {
    const base = {
      model: 'openai/gpt-5.4-mini',
      max_tokens: 64,
      messages: [{ role: 'user' as const, content: 'Say hi' }],
    };
    const message = await anthropic.messages.create({ ...base, thinking: { type: 'disabled' } });
    expect(message.stop_reason).toBe('end_turn');
    const refused = await refusal(
      anthropic.messages.create({ ...base, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } }),
    );
    expect(refused?.status).toBe(400);
    expect(refused?.message).toContain('thinking');
  });

  it("should pass the client's anthropic-version and anthropic-beta on to Anthropic", async () => {
    await anthropic.messages.create(
      { model: 'anthropic/claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user', content: 'Say hi' }] },
      {
        headers: {
          'anthropic-version': '2023-01-01',
          'anthropic-beta': 'prompt-caching-2024-07-31,files-api-2025-04-14',
        },
      },
    );
    const seen = gateway.env.sim.headersOf('claude-haiku-4-5');
    expect(seen?.['anthropic-version']).toBe('2023-01-01');
    expect(seen?.['anthropic-beta']).toBe('prompt-caching-2024-07-31,files-api-2025-04-14');
    expect(seen?.['x-api-key']).not.toBe(gateway.key);

    // A client that sends neither gets the SDK's own version, and no beta.
    await fetch(`${gateway.baseURL}/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'anthropic/claude-haiku-4-5',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    }).then((r) => expect(r.status).toBe(200));
    const plain = gateway.env.sim.headersOf('claude-haiku-4-5');
    expect(plain?.['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(plain?.['anthropic-version']).not.toBe('2023-01-01');
    expect(plain?.['anthropic-beta']).toBeUndefined();
  });

  it('should count tokens: Anthropic’s own count for its models, an estimate marked so for the others', async () => {
    const ask = {
      system: 'You are terse.',
      messages: [{ role: 'user' as const, content: 'Count the words in this sentence, please.' }],
    };
    const counted = await anthropic.messages
      .countTokens({ model: 'anthropic/claude-haiku-4-5', ...ask })
      .withResponse();
    expect(counted.response.headers.get('x-orchestratex-token-count')).toBe('provider');
    // What the provider counts is what it bills for the same request.
    const sent = await anthropic.messages.create({ model: 'anthropic/claude-haiku-4-5', max_tokens: 16, ...ask });
    expect(counted.data.input_tokens).toBe(sent.usage.input_tokens);
    expect(gateway.env.sim.getStats().endpoints['/v1/messages/count_tokens']).toBe(1);

    const estimated = await anthropic.messages.countTokens({ model: 'openai/gpt-5.4-mini', ...ask }).withResponse();
    expect(estimated.response.headers.get('x-orchestratex-token-count')).toBe('estimate');
    const billed = await anthropic.messages.create({ model: 'openai/gpt-5.4-mini', max_tokens: 16, ...ask });
    expect(Math.abs(estimated.data.input_tokens - billed.usage.input_tokens)).toBeLessThanOrEqual(
      Math.ceil(billed.usage.input_tokens * 0.2),
    );
    expect(gateway.env.sim.getStats().endpoints['/v1/messages/count_tokens']).toBe(1);

    const unknown = await refusal(anthropic.messages.countTokens({ model: 'openai/gpt-0', ...ask }));
    expect(unknown?.status).toBe(404);
  });

  it('should take a bare model name that exactly one catalogue model has', async () => {
    const answer = await gateway.client.chat.completions.create({
      model: 'gpt-5.4-mini',
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    expect(answer.model).toBe('openai/gpt-5.4-mini');
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    expect(message.model).toBe('anthropic/claude-haiku-4-5');
    const unknown = await refusal(
      gateway.client.chat.completions.create({ model: 'gpt-0', messages: [{ role: 'user', content: 'Say hi' }] }),
    );
    expect(unknown?.status).toBe(404);
  });

  it('should take an admin’s aliases, for models and strategies, held to the key’s limits and audited', async () => {
    const admin = auth(ADMIN_KEY);
    const http = () => gateway.env.t.http();
    const { body: fast } = await http()
      .put('/api/model-aliases/fast')
      .set(admin)
      .send({ modelId: 'openai/gpt-5.4-mini' })
      .expect(200);
    expect(fast).toMatchObject({ alias: 'fast', modelId: 'openai/gpt-5.4-mini' });
    await http().put('/api/model-aliases/best').set(admin).send({ modelId: 'orchestratex/route' }).expect(200);
    await http()
      .put('/api/model-aliases/fast')
      .set(auth(gateway.key))
      .send({ modelId: 'openai/gpt-5.4-mini' })
      .expect(403);
    const badName = await http()
      .put('/api/model-aliases/a%20b')
      .set(admin)
      .send({ modelId: 'openai/gpt-5.4-mini' })
      .expect(400);
    expect(badName.body.message).toContain('alias must be');
    const badTarget = await http().put('/api/model-aliases/x').set(admin).send({ modelId: 'openai/gpt-0' }).expect(404);
    expect(badTarget.body.message).toContain('openai/gpt-0 is neither a catalogue id');
    expect((await http().get('/api/model-aliases').set(auth(gateway.key)).expect(200)).body).toEqual([
      expect.objectContaining({ alias: 'best', modelId: 'orchestratex/route' }),
      expect.objectContaining({ alias: 'fast', modelId: 'openai/gpt-5.4-mini' }),
    ]);

    const messages = [{ role: 'user' as const, content: 'Say hi' }];
    expect((await gateway.client.chat.completions.create({ model: 'fast', messages })).model).toBe(
      'openai/gpt-5.4-mini',
    );
    const run = await gateway.client.chat.completions.create({ model: 'best', messages }).withResponse();
    expect(run.response.headers.get('x-orchestratex-run-id')).toMatch(/^[0-9a-f]{24}$/);

    // A key held to Anthropic's models may not reach OpenAI's through an alias.
    const { body: limited } = await http()
      .post('/api/keys')
      .set(admin)
      .send({ name: 'anthropic only', limits: { models: ['anthropic/*'] } })
      .expect(201);
    const forbidden = await http()
      .post('/v1/chat/completions')
      .set(auth(limited.key))
      .send({ model: 'fast', messages })
      .expect(403);
    expect(JSON.stringify(forbidden.body)).toContain('openai/gpt-5.4-mini');

    await http().delete('/api/model-aliases/fast').set(admin).expect(204);
    await http().delete('/api/model-aliases/fast').set(admin).expect(404);
    const gone = await refusal(gateway.client.chat.completions.create({ model: 'fast', messages }));
    expect(gone?.status).toBe(404);
    const { body: audit } = await http().get('/api/audit').query({ targetType: 'alias' }).set(admin).expect(200);
    expect((audit.items as { action: string; targetId: string }[]).map((e) => `${e.action} ${e.targetId}`)).toEqual([
      'alias.deleted fast',
      'alias.set best',
      'alias.set fast',
    ]);
  });
});

describe('/v1 with STREAM_USAGE=always', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => (gateway = await startGateway({ STREAM_USAGE: 'always' })));
  afterAll(() => gateway.env.close());

  it('should end every chat stream with its usage, asked for or not', async () => {
    for (const model of ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5']) {
      const stream = await gateway.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Say hi' }],
        stream: true,
      });
      let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
      expect([model, usage?.prompt_tokens ?? 0]).not.toEqual([model, 0]);
      expect(usage?.completion_tokens).toBeGreaterThan(0);
    }
  });
});
