import { LOCAL_MODEL_TIMEOUTS } from '../../simulator/settings.js';
import { startApp, type TestApp } from '../support/app.js';
import { auth, createSession, createUserKey } from '../support/factories.js';
import { LOCAL_MODEL_NAMES, LOCAL_PROVIDER } from '../../local-model/local-model.js';
import { FINAL_EVENTS } from '../../src/orchestration/events/run-events.js';
import { startLocalModelProcess } from './local-model.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MODELS = LOCAL_MODEL_NAMES.map((n) => `${LOCAL_PROVIDER}/${n.id}`);
/** Roles whose text the engine reads as JSON (an evaluation, a council review). */
const JUDGING = ['evaluator', 'reviewer'];

/** Each strategy, with options small enough for a 135M model on one CPU thread. */
const RUNS: Array<{ strategy: string; prompt: string; options: Json }> = [
  { strategy: 'route', prompt: 'What is the capital of France? Answer in one sentence.', options: {} },
  {
    strategy: 'improve',
    prompt: 'Explain in two sentences why the sky is blue.',
    options: { evaluators: 1, maxIterations: 2 },
  },
  { strategy: 'ensemble', prompt: 'Give three tips for staying focused while studying.', options: { proposers: 2 } },
  {
    strategy: 'cascade',
    prompt: 'Write a JavaScript function that returns the larger of two numbers.',
    options: { evaluators: 1, maxIterations: 2 },
  },
  {
    strategy: 'compare',
    prompt: 'What is 15 plus 27? Explain briefly.',
    options: { proposers: 2, evaluate: true, evaluators: 1 },
  },
  { strategy: 'council', prompt: 'Name a healthy breakfast and say why it is healthy.', options: { proposers: 2 } },
  {
    strategy: 'debate',
    prompt: 'Is a tomato a fruit or a vegetable? Answer briefly.',
    options: { proposers: 2, rounds: 1 },
  },
];

describe('every strategy on a real language model (SmolLM2-135M, node-llama-cpp)', () => {
  let local: Awaited<ReturnType<typeof startLocalModelProcess>>;
  let t: TestApp;
  let key: string;
  let sessionId: string;
  const unread: string[] = [];
  const figures: Array<{
    strategy: string;
    status: string;
    calls: number;
    judged: number;
    parsed: number;
    ms: number;
  }> = [];

  beforeAll(async () => {
    local = await startLocalModelProcess();
    t = await startApp({
      PROVIDERS_FILE: local.providersFile,
      ...LOCAL_MODEL_TIMEOUTS,
    });
    key = (await createUserKey(t)).key;
    sessionId = (await createSession(t, key)).id;
  });

  afterAll(async () => {
    const stats = await local.stats().catch(() => undefined);
    await t?.close();
    await local?.stop();
    const judged = figures.reduce((n, f) => n + f.judged, 0);
    const parsed = figures.reduce((n, f) => n + f.parsed, 0);
    process.stderr.write(
      [
        '',
        'Real model (SmolLM2-135M-Instruct Q4_1, node-llama-cpp, one thread):',
        ...figures.map(
          (f) =>
            `  ${f.strategy.padEnd(9)} ${f.status.padEnd(15)} ${String(f.calls).padStart(2)} calls  ` +
            `${f.parsed}/${f.judged} judging answers parsed  ${(f.ms / 1000).toFixed(1)} s`,
        ),
        ...unread.map((m) => `  unread evaluation: ${m}`),
        `  evaluation parse rate: ${parsed}/${judged}` +
          (judged > 0 ? ` (${Math.round((100 * parsed) / judged)}%)` : ''),
        stats
          ? `  generation: ${stats.completionTokens} tokens in ${(stats.generationMs / 1000).toFixed(1)} s = ` +
            `${stats.tokensPerSecond.toFixed(1)} tokens/s; ${stats.promptTokens} prompt tokens; ` +
            `${stats.requests} requests (${stats.schemaRequests} with a JSON schema)`
          : '  (the local model gave no figures)',
        '',
      ].join('\n'),
    );
  });

  it('should list both names of the local model as available', async () => {
    const res = await t.http().get(`/api/models?provider=${LOCAL_PROVIDER}`).set(auth(key)).expect(200);
    const listed = (res.body.data ?? res.body) as Json[];
    expect(listed.map((m) => m.id).sort()).toEqual([...MODELS].sort());
    for (const m of listed) expect(m).toMatchObject({ available: true });
  });

  it.each(RUNS)('$strategy should end in a defined state with gapless events and real numbers', async (run) => {
    const started = Date.now();
    const res = await t
      .http()
      .post('/api/orchestrate?wait=true')
      .set(auth(key))
      .send({ sessionId, prompt: run.prompt, strategy: run.strategy, models: MODELS, maxTokens: 200, ...run.options });
    expect(res.status).toBe(200);
    const body = res.body as Json;
    // Whatever the model writes, the run ends: with an answer, or with a failure that says why.
    expect(['succeeded', 'failed']).toContain(body.status);
    if (body.status === 'succeeded') {
      expect(typeof body.answer).toBe('string');
      expect((body.answer as string).trim()).not.toBe('');
    } else {
      expect(body.error).toEqual({ errorClass: expect.any(String), message: expect.any(String) });
    }

    const events = (await t.http().get(`/api/orchestrate/runs/${body.id}/events`).set(auth(key)).expect(200))
      .body as Json[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0].type).toBe('run.started');
    expect(FINAL_EVENTS).toContain(events.at(-1)?.type);
    expect(events.filter((e) => (FINAL_EVENTS as string[]).includes(e.type))).toHaveLength(1);

    const steps = body.steps as Json[];
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(MODELS).toContain(step.modelId);
      if (step.status === 'succeeded' || step.error?.errorClass === 'invalid_evaluation') {
        // The model answered: its tokens are counted by the server, and $0 a token costs $0.
        expect(step.usage.inputTokens).toBeGreaterThan(0);
        expect(step.usage.outputTokens).toBeGreaterThan(0);
        expect(step.costUsd).toBe(0);
      }
    }
    const judging = steps.filter((s) => JUDGING.includes(s.role));
    for (const step of judging.filter((s) => s.status === 'succeeded')) {
      const scores = Object.values(step.evaluation?.scores ?? step.review?.scores ?? {}).flatMap((v) =>
        typeof v === 'number' ? [v] : Object.values(v as Record<string, number>),
      );
      expect(scores.length).toBeGreaterThan(0);
      for (const s of scores) expect(s).toBeGreaterThanOrEqual(1);
      for (const s of scores) expect(s).toBeLessThanOrEqual(10);
    }
    // A judging answer that cannot be read is asked for once more: parsed, or failed after its retry.
    const asked = new Map<string, Json[]>();
    for (const step of judging) {
      const call = `${step.role}|${step.iteration}|${step.evaluatesStepId}|${step.modelId}`;
      asked.set(call, [...(asked.get(call) ?? []), step]);
    }
    for (const tries of asked.values()) {
      expect(tries.length).toBeLessThanOrEqual(2);
      if (tries[0].error?.errorClass === 'invalid_evaluation') expect(tries).toHaveLength(2);
      else expect(tries).toHaveLength(1);
    }
    unread.push(
      ...judging
        .filter((s) => s.error?.errorClass === 'invalid_evaluation')
        .map(
          (s) =>
            `${s.error.message} (${s.usage?.outputTokens} tokens): …${JSON.stringify((s.text as string).slice(-120))}`,
        ),
    );
    expect(body.totals).toMatchObject({ calls: steps.length, costUsd: 0, unknownCostCalls: 0 });
    expect(body.totals.outputTokens).toBe(steps.reduce((n, s) => n + (s.usage?.outputTokens ?? 0), 0));
    figures.push({
      strategy: run.strategy,
      status: body.status as string,
      calls: steps.length,
      judged: judging.length,
      parsed: judging.filter((s) => s.status === 'succeeded').length,
      ms: Date.now() - started,
    });
  });
});
