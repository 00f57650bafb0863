import { AnthropicAdapter } from '../src/providers/adapters/anthropic.adapter.js';
import { OpenAiAdapter } from '../src/providers/adapters/openai.adapter.js';
import { UpstreamHttp } from '../src/providers/adapters/upstream-http.js';
import { ProviderError } from '../src/providers/provider.error.js';
import type { ProviderEvent } from '../src/providers/provider.types.js';
import { collect } from './support/collect.js';
import {
  DEFAULT_RESILIENCE,
  Resilience,
  type AttemptReport,
  type ResilienceOptions,
  type Target,
} from '../src/providers/resilience.js';
import { UpstreamSimulator } from '../simulator/simulator.js';

const messages = [{ role: 'user' as const, content: 'Name three sorting algorithms.' }];

describe('Provider adapters and resilience, against the simulator', () => {
  const sim = new UpstreamSimulator({ outputTokens: 10 });
  const http = new UpstreamHttp();
  let url: string;
  let openai: OpenAiAdapter;
  let anthropic: AnthropicAdapter;

  const target = (model: string, adapter: OpenAiAdapter | AnthropicAdapter = openai): Target => ({
    provider: adapter === openai ? 'openai' : 'anthropic',
    model,
    adapter,
  });
  const fast = (overrides: Partial<ResilienceOptions> = {}) =>
    new Resilience({ ...DEFAULT_RESILIENCE, baseDelayMs: 1, maxDelayMs: 5, retryAfterCapMs: 50, ...overrides });
  const requests = (model: string) => sim.getStats().requests[model] ?? 0;

  beforeAll(async () => {
    url = await sim.listen();
    const options = { apiKey: 'sim-key', timeoutMs: 2000, fetch: http.fetch };
    openai = new OpenAiAdapter({ ...options, provider: 'openai', baseUrl: `${url}/v1` });
    anthropic = new AnthropicAdapter({ ...options, provider: 'anthropic', baseUrl: url });
  });
  beforeEach(() => sim.reset());
  afterAll(async () => {
    await http.close();
    await sim.close();
  });

  it('should stream an OpenAI-protocol answer with usage normalised (cached and reasoning tokens)', async () => {
    sim.configure('sim-small', { cachedInputTokens: 4, reasoningTokens: 3 });
    const result = await collect(openai.chat('sim-small', { kind: 'chat', messages }, new AbortController().signal));
    expect(result.text.split(' ')).toHaveLength(10);
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual({
      inputTokens: expect.any(Number),
      outputTokens: 10,
      cachedInputTokens: 4,
      reasoningTokens: 3,
    });
    expect(result.usage?.inputTokens).toBeGreaterThan(4);
  });

  it('should stream an Anthropic answer with usage normalised (cache reads counted within input)', async () => {
    sim.configure('sim-medium', { cachedInputTokens: 5 });
    const viaAnthropic = await collect(
      anthropic.chat('sim-medium', { kind: 'chat', messages, maxTokens: 100 }, new AbortController().signal),
    );
    const viaOpenAi = await collect(
      openai.chat('sim-medium', { kind: 'chat', messages }, new AbortController().signal),
    );
    expect(viaAnthropic.text).toBe(viaOpenAi.text);
    expect(viaAnthropic.usage).toEqual(viaOpenAi.usage);
    expect(viaAnthropic.usage?.cachedInputTokens).toBe(5);
    const cut = await collect(
      anthropic.chat('sim-medium', { kind: 'chat', messages, maxTokens: 4 }, new AbortController().signal),
    );
    expect(cut.finishReason).toBe('length');
    expect(cut.usage?.outputTokens).toBe(4);
  });

  it('should answer in one response when not streaming: same text, usage and finish as the stream', async () => {
    sim.configure('sim-medium', { cachedInputTokens: 5, reasoningTokens: 2 });
    for (const adapter of [openai, anthropic]) {
      const streamed = await collect(
        adapter.chat('sim-medium', { kind: 'chat', messages }, new AbortController().signal),
      );
      const whole = await collect(
        adapter.chat('sim-medium', { kind: 'chat', messages, stream: false }, new AbortController().signal),
      );
      expect(whole).toEqual(streamed);
      expect(whole.usage).toMatchObject({ outputTokens: 10, cachedInputTokens: 5 });
      const cut = await collect(
        adapter.chat(
          'sim-medium',
          { kind: 'chat', messages, maxTokens: 3, stream: false },
          new AbortController().signal,
        ),
      );
      expect(cut.finishReason).toBe('length');
      expect(cut.usage?.outputTokens).toBe(3);
    }

    sim.injectFault('sim-small', { type: '429', retryAfterSeconds: 0 });
    sim.injectFault('sim-small', { type: 'hang' });
    const reports: AttemptReport[] = [];
    const short = new OpenAiAdapter({ provider: 'openai', apiKey: 'sim-key', baseUrl: `${url}/v1`, timeoutMs: 200 });
    const retried = await collect(
      fast().stream(
        [{ provider: 'openai', model: 'sim-small', adapter: short }],
        { kind: 'chat', messages, stream: false },
        new AbortController().signal,
        (r) => reports.push(r),
      ),
    );
    expect(retried.text.split(' ')).toHaveLength(10);
    expect(reports.map((r) => r.error?.errorClass ?? 'ok')).toEqual(['rate_limited', 'timeout', 'ok']);
  });

  it('should retry a 429 that carries Retry-After, and a 500, then answer', async () => {
    sim.injectFault('sim-small', { type: '429', retryAfterSeconds: 0.02 });
    sim.injectFault('sim-small', { type: '500' });
    const reports: AttemptReport[] = [];
    const result = await collect(
      fast().stream([target('sim-small')], { kind: 'chat', messages }, new AbortController().signal, (r) =>
        reports.push(r),
      ),
    );
    expect(result.text.length).toBeGreaterThan(0);
    expect(requests('sim-small')).toBe(3);
    expect(reports.map((r) => r.error?.errorClass ?? 'ok')).toEqual(['rate_limited', 'upstream_5xx', 'ok']);
    expect(reports[0].error?.details.retryAfterMs).toBe(20);
  });

  it.each([
    ['401', 'auth'],
    ['400', 'bad_request'],
  ] as const)(
    'should not retry a %s: the caller gets a typed %s error with the provider message',
    async (type, errorClass) => {
      sim.injectFault('sim-small', { type }, 5);
      const error = await collect(
        fast().stream([target('sim-small')], { kind: 'chat', messages }, new AbortController().signal),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).errorClass).toBe(errorClass);
      expect((error as ProviderError).message).toContain('Simulated');
      expect(requests('sim-small')).toBe(1);
    },
  );

  it('should time out a hanging upstream and report the timeout class', async () => {
    const hanging = new OpenAiAdapter({ provider: 'openai', apiKey: 'sim-key', baseUrl: `${url}/v1`, timeoutMs: 200 });
    sim.injectFault('sim-small', { type: 'hang' }, 3);
    const error = await collect(
      fast({ maxRetries: 1 }).stream(
        [{ provider: 'openai', model: 'sim-small', adapter: hanging }],
        { kind: 'chat', messages },
        new AbortController().signal,
      ),
    ).catch((e: unknown) => e);
    expect((error as ProviderError).errorClass).toBe('timeout');
    expect(requests('sim-small')).toBe(2);
  });

  it('should retry a stream broken before its first token, but pass on a break after it', async () => {
    sim.injectFault('sim-small', { type: 'malformed', afterTokens: 0 });
    const recovered = await collect(
      fast().stream([target('sim-small')], { kind: 'chat', messages }, new AbortController().signal),
    );
    expect(recovered.text.split(' ')).toHaveLength(10);
    expect(requests('sim-small')).toBe(2);

    sim.reset();
    sim.injectFault('sim-small', { type: 'reset', afterTokens: 3 });
    const received: string[] = [];
    const error = await (async () => {
      for await (const event of fast().stream(
        [target('sim-small'), target('sim-large')],
        { kind: 'chat', messages },
        new AbortController().signal,
      )) {
        if (event.type === 'delta') received.push(event.text);
      }
    })().catch((e: unknown) => e);
    expect(received).toHaveLength(3);
    expect((error as ProviderError).errorClass).toBe('network');
    expect(requests('sim-large')).toBe(0);
  });

  it('should fall back to the next model when one keeps failing before its first token', async () => {
    sim.injectFault('sim-small', { type: '503' }, 10);
    const reports: AttemptReport[] = [];
    const events: (ProviderEvent & { target?: Target })[] = [];
    for await (const event of fast({ maxRetries: 1 }).stream(
      [target('sim-small'), target('sim-medium', anthropic)],
      { kind: 'chat', messages, maxTokens: 50 },
      new AbortController().signal,
      (r) => reports.push(r),
    )) {
      events.push(event);
    }
    expect(new Set(events.map((e) => e.target?.model))).toEqual(new Set(['sim-medium']));
    expect(reports.map((r) => `${r.target.model}:${r.error?.errorClass ?? 'ok'}`)).toEqual([
      'sim-small:upstream_5xx',
      'sim-small:upstream_5xx',
      'sim-medium:ok',
    ]);
  });

  it('should close the upstream request when the caller cancels mid-stream', async () => {
    sim.configure('sim-large', { outputTokens: 200, tokenMs: 20 });
    const controller = new AbortController();
    const received: string[] = [];
    const error = await (async () => {
      for await (const event of fast().stream([target('sim-large')], { kind: 'chat', messages }, controller.signal)) {
        if (event.type === 'delta') received.push(event.text);
        if (received.length === 2) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as ProviderError).errorClass).toBe('cancelled');
    expect(received).toHaveLength(2);
    for (let i = 0; i < 50 && sim.getStats().clientAborts === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(sim.getStats().clientAborts).toBe(1);
  });

  it('should cool a failing model down, skip it without calling it, then let a probe bring it back', async () => {
    const resilience = fast({ maxRetries: 0, cooldownFailures: 2, cooldownMs: 300 });
    sim.injectFault('sim-small', { type: '500' }, 2);
    for (let i = 0; i < 2; i += 1) {
      await expect(
        collect(resilience.stream([target('sim-small')], { kind: 'chat', messages }, new AbortController().signal)),
      ).rejects.toThrow(ProviderError);
    }
    expect(resilience.cooldownState(target('sim-small'))).toBe('open');
    const cooling = await collect(
      resilience.stream([target('sim-small')], { kind: 'chat', messages }, new AbortController().signal),
    ).catch((e: unknown) => e);
    expect((cooling as ProviderError).errorClass).toBe('cooling_down');
    expect(requests('sim-small')).toBe(2);

    await new Promise((r) => setTimeout(r, 350));
    expect(resilience.cooldownState(target('sim-small'))).toBe('half_open');
    const probe = await collect(
      resilience.stream([target('sim-small')], { kind: 'chat', messages }, new AbortController().signal),
    );
    expect(probe.text.length).toBeGreaterThan(0);
    expect(resilience.cooldownState(target('sim-small'))).toBe('closed');
    expect(requests('sim-small')).toBe(3);
  });
});
