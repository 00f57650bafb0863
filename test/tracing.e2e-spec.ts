import { simulatorProviderEnvironment } from '../src/config/providers.config.js';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY, freshDatabaseUri } from './support/app.js';
import { buildDist, NodeProcess } from './support/cluster.js';
import { call } from './support/http.js';
import { Jaeger, parentOf, tagOf, type JaegerSpan } from './support/jaeger.js';

/**
 * Traces as an operator reads them: the built server exporting OTLP to a real Jaeger, read back
 * through Jaeger's query API.
 */
describe('OpenTelemetry traces in Jaeger', () => {
  let jaeger: Jaeger;
  let sim: UpstreamSimulator;
  let server: NodeProcess;

  beforeAll(async () => {
    buildDist();
    jaeger = await Jaeger.start();
    sim = new UpstreamSimulator();
    const simUrl = await sim.listen(0);
    server = await NodeProcess.api({
      PATH: process.env.PATH,
      ...simulatorProviderEnvironment(simUrl),
      MONGODB_URI: freshDatabaseUri(),
      ADMIN_API_KEY: ADMIN_KEY,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
      OTEL_SERVICE_NAME: 'orchestratex-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  }, 180_000);
  afterAll(async () => {
    await server?.kill();
    await sim?.close();
    await jaeger?.stop();
  });

  const named = (spans: JaegerSpan[], name: string | RegExp) =>
    spans.filter((s) => (typeof name === 'string' ? s.operationName === name : name.test(s.operationName)));

  it('should make an improve run one trace: request → run → steps → model calls, with the GenAI attributes', async () => {
    const { body: session } = await call<{ id: string }>(server.url, '/api/sessions', { body: { title: 'traced' } });
    const prompt = 'Explain why the sky is blue, step by step';
    const response = await fetch(`${server.url}/api/orchestrate?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: session.id, prompt, strategy: 'improve', maxIterations: 2 }),
    });
    expect(response.status).toBe(200);
    const run = (await response.json()) as { id: string; status: string; totals: { calls: number } };
    const traceId = response.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const { body: stored } = await call<{ traceId: string; steps: unknown[] }>(
      server.url,
      `/api/orchestrate/runs/${run.id}`,
    );
    expect(stored.traceId).toBe(traceId);

    const calls = run.totals.calls;
    // The request, the run, a step and a model call per call.
    const spans = await jaeger.spans(traceId!, 2 + 2 * calls);
    const [request] = named(spans, 'POST /api/orchestrate');
    const [runSpan] = named(spans, 'orchestratex.run');
    const steps = named(spans, 'orchestratex.step');
    const modelCalls = named(spans, /^chat /);
    expect(parentOf(request)).toBeUndefined();
    expect(parentOf(runSpan)).toBe(request.spanID);
    expect(steps).toHaveLength(calls);
    expect(steps.every((s) => parentOf(s) === runSpan.spanID)).toBe(true);
    expect(modelCalls).toHaveLength(calls);
    const stepIds = new Set(steps.map((s) => s.spanID));
    expect(modelCalls.every((s) => stepIds.has(parentOf(s)!))).toBe(true);

    expect(tagOf(runSpan, 'orchestratex.strategy')).toBe('improve');
    expect(tagOf(runSpan, 'orchestratex.status')).toBe(run.status);
    expect(tagOf(runSpan, 'orchestratex.calls')).toBe(calls);
    expect(steps.map((s) => tagOf(s, 'orchestratex.role'))).toEqual(expect.arrayContaining(['primary', 'evaluator']));
    for (const span of modelCalls) {
      expect(tagOf(span, 'gen_ai.operation.name')).toBe('chat');
      expect(tagOf(span, 'gen_ai.provider.name')).toEqual(expect.any(String));
      expect(tagOf(span, 'gen_ai.request.model')).toBe(tagOf(span, 'gen_ai.response.model'));
      expect(tagOf(span, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
      expect(tagOf(span, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0);
      expect(tagOf(span, 'gen_ai.request.max_tokens')).toEqual(expect.any(Number));
    }
    // No prompt on any span unless the operator asks for content.
    expect(JSON.stringify(spans)).not.toContain(prompt);
  });

  it("should put a /v1 call under the client's traceparent, with a failed attempt as an event", async () => {
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const parentSpan = '1122334455667788';
    sim.injectFault('gpt-5.4-mini', { type: '500' }, 1);
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${parentSpan}-01`,
      },
      body: JSON.stringify({ model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Say hello' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-trace-id')).toBe(traceId);
    const spans = await jaeger.spans(traceId, 2);
    const [request] = named(spans, 'POST /v1/chat/completions');
    const [modelCall] = named(spans, 'chat gpt-5.4-mini');
    expect(parentOf(request)).toBe(parentSpan);
    expect(parentOf(modelCall)).toBe(request.spanID);
    expect(tagOf(modelCall, 'orchestratex.attempts')).toBe(2);
    const events = modelCall.logs.map((log) => Object.fromEntries(log.fields.map((f) => [f.key, f.value])));
    expect(events).toEqual([
      expect.objectContaining({
        event: 'orchestratex.attempt_failed',
        'orchestratex.target': 'openai/gpt-5.4-mini',
        'error.type': 'upstream_5xx',
        'http.response.status_code': 500,
      }),
    ]);
  });
});
