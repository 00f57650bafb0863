import { simulatorProviderEnvironment } from '../src/config/providers.config.js';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY, freshDatabaseUri } from './support/app.js';
import { buildDist, clusterEnvironment, NodeProcess, RedisProcess } from './support/cluster.js';
import { call, until } from './support/http.js';
import { Jaeger, parentOf, tagOf, type JaegerSpan } from './support/jaeger.js';
import { everythingStdio, mcpServersFile } from './support/mcp.js';

const named = (spans: JaegerSpan[], name: string | RegExp) =>
  spans.filter((s) => (typeof name === 'string' ? s.operationName === name : name.test(s.operationName)));

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
      MCP_SERVERS_FILE: mcpServersFile([everythingStdio()]),
    });
  }, 180_000);
  afterAll(async () => {
    await server?.kill();
    await sim?.close();
    await jaeger?.stop();
  });

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
    // The request, the run, a step and a model call per call (an SDK's own call spans may come too).
    const spans = await jaeger.spans(
      traceId!,
      (all) =>
        named(all, 'POST /api/orchestrate').length === 1 &&
        named(all, 'orchestratex.run').length === 1 &&
        named(all, 'orchestratex.step').length === calls &&
        named(all, /^chat /).length === calls,
    );
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

  it('should put each MCP tool call of a step in its trace, between the model calls', async () => {
    const { body: session } = await call<{ id: string }>(server.url, '/api/sessions', { body: { title: 'tools' } });
    const response = await fetch(`${server.url}/api/orchestrate?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sessionId: session.id,
        prompt: 'Echo hello',
        strategy: 'route',
        tools: ['everything/echo'],
      }),
    });
    expect(response.status).toBe(200);
    const run = (await response.json()) as { steps: { toolCalls: { callId: string }[] }[] };
    // The step, two model calls (the call, then the answer) and the tool call between them.
    const spans = await jaeger.spans(
      response.headers.get('x-trace-id')!,
      (all) =>
        named(all, 'orchestratex.step').length === 1 &&
        named(all, /^chat /).length === 2 &&
        named(all, /^execute_tool /).length === 1,
    );
    const [step] = named(spans, 'orchestratex.step');
    const [tool] = named(spans, 'execute_tool everything/echo');
    expect(parentOf(tool)).toBe(step.spanID);
    expect(named(spans, /^chat /).map((s) => parentOf(s))).toEqual([step.spanID, step.spanID]);
    expect(tagOf(tool, 'gen_ai.operation.name')).toBe('execute_tool');
    expect(tagOf(tool, 'gen_ai.tool.name')).toBe('everything/echo');
    expect(tagOf(tool, 'gen_ai.tool.call.id')).toBe(run.steps[0].toolCalls[0].callId);
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
    // The request log names the trace of the call.
    const logged = await until(
      'the call in the request log',
      async () => {
        const { body } = await call<{ items: { traceId: string | null; attempts: number }[] }>(
          server.url,
          '/api/requests?modelId=openai/gpt-5.4-mini&limit=1',
        );
        return body.items[0]?.traceId === traceId ? body.items[0] : undefined;
      },
      10_000,
    );
    expect(logged.attempts).toBe(2);
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

describe('OpenTelemetry traces across a cluster', () => {
  let jaeger: Jaeger;
  let redis: RedisProcess;
  let sim: UpstreamSimulator;
  let api: NodeProcess;
  const workers: NodeProcess[] = [];

  beforeAll(async () => {
    buildDist();
    jaeger = await Jaeger.start();
    redis = await RedisProcess.start();
    // Slow enough that the run is still going when its worker is killed.
    sim = new UpstreamSimulator({ ttftMs: 150, tokenMs: 10, outputTokens: 40 });
    const env = {
      ...clusterEnvironment(await sim.listen(0), freshDatabaseUri(), redis.url),
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    api = await NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'traced-api' });
    workers.push(
      ...(await Promise.all([
        NodeProcess.worker({ ...env, WRITER_ID: 'traced-1' }),
        NodeProcess.worker({ ...env, WRITER_ID: 'traced-2' }),
      ])),
    );
  }, 180_000);
  afterAll(async () => {
    await Promise.all([api, ...workers].filter(Boolean).map((p) => p.kill('SIGKILL')));
    await sim?.close();
    await redis?.stop();
    await jaeger?.stop();
  });

  it("should keep a run's spans in the API request's trace on the worker, and after a takeover", async () => {
    const { body: session } = await call<{ id: string }>(api.url, '/api/sessions', { body: { title: 'traced' } });
    const response = await fetch(`${api.url}/api/orchestrate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sessionId: session.id,
        prompt: 'Write a function that sorts a list',
        strategy: 'improve',
        qualityThreshold: 10,
        maxIterations: 2,
      }),
    });
    expect(response.status).toBe(202);
    const traceId = response.headers.get('x-trace-id')!;
    const { runId } = (await response.json()) as { runId: string };
    const holder = await until(
      'a worker to hold the run past its first step',
      async () => {
        for (const worker of workers) {
          const health = (await (await fetch(`${worker.url}/health`)).json()) as { runs: number };
          const { body: run } = await call<{ steps: unknown[] }>(api.url, `/api/orchestrate/runs/${runId}`);
          if (health.runs > 0 && run.steps.length > 0) return worker;
        }
        return undefined;
      },
      30_000,
    );
    await holder.kill('SIGKILL');
    const ended = await until(
      'the run to end on the other worker',
      async () => {
        const { body } = await call<{ status: string }>(api.url, `/api/orchestrate/runs/${runId}`);
        return body.status !== 'queued' && body.status !== 'running' ? body : undefined;
      },
      90_000,
    );
    expect(ended.status).toBe('succeeded');

    // The worker that took over exports the run's span when the run ends there.
    const resumedRun = (s: JaegerSpan) =>
      s.operationName === 'orchestratex.run' && tagOf(s, 'orchestratex.resumed') === true;
    const spans = await jaeger.spans(traceId, (all) => all.some(resumedRun), 20_000);
    const [request] = named(spans, 'POST /api/orchestrate');
    const runs = named(spans, 'orchestratex.run');
    // The killed worker's run span never ended (nor was exported); the one that took over did.
    const resumed = runs.filter((s) => tagOf(s, 'orchestratex.resumed') === true);
    expect(resumed).toHaveLength(1);
    expect(parentOf(resumed[0])).toBe(request.spanID);
    expect(tagOf(resumed[0], 'orchestratex.status')).toBe('succeeded');
    const steps = named(spans, 'orchestratex.step').filter((s) => parentOf(s) === resumed[0].spanID);
    expect(steps.length).toBeGreaterThan(0);
  }, 150_000);
});
