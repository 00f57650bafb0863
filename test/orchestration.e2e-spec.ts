import { startSimulatedApp } from './support/simulated.js';
import { auth, createSession, createUserKey } from './support/factories.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PINNED = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];

describe('orchestration runs (POST /api/orchestrate)', () => {
  let env: Awaited<ReturnType<typeof startSimulatedApp>>;
  let key: string;
  let sessionId: string;

  beforeAll(async () => {
    env = await startSimulatedApp();
    key = (await createUserKey(env.t)).key;
    sessionId = (await createSession(env.t, key)).id;
  });
  afterEach(() => env.sim.reset());
  afterAll(() => env.close());

  const run = async (body: Json, query = '?wait=true', status = 200): Promise<Json> =>
    (
      await env.t
        .http()
        .post(`/api/orchestrate${query}`)
        .set(auth(key))
        .send({ sessionId, ...body })
        .expect(status)
    ).body as Json;

  it('should route a coding prompt to one specialist, store the answer in the thread and the cost on the session', async () => {
    const before = (await env.t.http().get(`/api/sessions/${sessionId}`).set(auth(key)).expect(200)).body as Json;
    const r = await run({ prompt: 'Write a Python function that reverses a string', strategy: 'route' });
    expect(r).toMatchObject({ status: 'succeeded', strategy: 'route', domain: 'coding', iterations: 1 });
    expect(r.steps).toHaveLength(1);
    const [step] = r.steps as Json[];
    expect(step).toMatchObject({ role: 'primary', status: 'succeeded', attempts: 1, evaluation: null });
    expect(step.modelId).toBe(r.team.primary[0]);
    expect(r.answer).toBe(step.text);
    expect(r.answerModelId).toBe(step.modelId);
    expect(step.prompt).toMatchObject({ id: 'answer', version: 1 });
    expect(step.prompt.messages.at(-1)).toEqual({
      role: 'user',
      content: 'Write a Python function that reverses a string',
    });
    expect(r.totals).toMatchObject({
      calls: 1,
      inputTokens: step.usage.inputTokens,
      outputTokens: step.usage.outputTokens,
    });
    expect(r.totals.costUsd).toBeCloseTo(step.costUsd, 12);
    expect(Object.values(env.sim.getStats().requests).reduce((a, b) => a + b, 0)).toBe(1);

    const messages = (await env.t.http().get(`/api/threads/${r.threadId}/messages`).set(auth(key)).expect(200))
      .body as Json;
    expect(messages.items.map((m: Json) => m.role)).toEqual(['user', 'assistant']);
    expect(messages.items[1]).toMatchObject({ content: r.answer, model: step.modelId, runId: r.id });
    const after = (await env.t.http().get(`/api/sessions/${sessionId}`).set(auth(key)).expect(200)).body as Json;
    expect(after.totalCostUsd - before.totalCostUsd).toBeCloseTo(r.totals.costUsd, 12);
  });

  it('should improve until the evaluators score the answer at the threshold', async () => {
    env.sim.queueScores('*', [5, 5, 9, 9]);
    const r = await run({ prompt: 'Explain step by step why the sky is blue', models: PINNED, qualityThreshold: 8 });
    expect(r).toMatchObject({
      status: 'succeeded',
      strategy: 'improve',
      thresholdMet: true,
      score: 9,
      firstScore: 5,
      iterations: 2,
    });
    const steps = r.steps as Json[];
    expect(steps.map((s) => s.role)).toEqual([
      'primary',
      'evaluator',
      'evaluator',
      'refiner',
      'evaluator',
      'evaluator',
    ]);
    expect(steps.filter((s) => s.role === 'evaluator').map((s) => s.evaluation.score)).toEqual([5, 5, 9, 9]);
    // Scores a test queued stand for a judge's verdict; the simulator's own (a hash) say they are simulated.
    expect(steps[1].evaluation.simulated).toBe(false);
    expect(steps[4].evaluatesStepId).toBe(steps[3].stepId);
    expect(r.answer).toBe(steps[3].text);
    // The refiner saw its first answer and the critiques.
    const refine = steps[3].prompt;
    expect(refine.id).toBe('refine');
    expect(refine.messages.some((m: Json) => m.role === 'assistant' && m.content === steps[0].text)).toBe(true);
    expect(refine.messages.at(-1).content).toContain(steps[1].evaluation.weaknesses[0]);
    // The primary does not judge itself.
    expect(r.team.evaluators).not.toContain(r.team.primary[0]);
  });

  it('should answer with the best-scored version, not the last, when the cap is reached', async () => {
    env.sim.queueScores('*', [7, 7, 8.5, 8.5, 6, 6]);
    const r = await run({
      prompt: 'Describe the causes of inflation',
      models: PINNED,
      qualityThreshold: 9.5,
      maxIterations: 3,
    });
    expect(r).toMatchObject({ status: 'succeeded', thresholdMet: false, score: 8.5, firstScore: 7, iterations: 3 });
    const writers = (r.steps as Json[]).filter((s) => s.role !== 'evaluator');
    expect(writers.map((s) => s.role)).toEqual(['primary', 'refiner', 'refiner']);
    expect(r.answer).toBe(writers[1].text);
    expect(r.answerStepId).toBe(writers[1].stepId);
  });

  it('should ask a malformed evaluation once more, then leave it out of the mean', async () => {
    env.sim.queueScores('*', [8, 8]);
    const first = await run({ prompt: 'What is the capital of France?', models: PINNED, strategy: 'route' });
    const primary = first.answerModelId as string;
    const [judge] = PINNED.filter((m) => m !== primary);
    env.sim.injectFault(judge.split('/')[1], { type: 'invalid_json' }, 2);
    const r = await run({
      prompt: 'What is the capital of France?',
      models: [primary, ...PINNED.filter((m) => m !== primary)],
      maxIterations: 1,
    });
    const evaluations = (r.steps as Json[]).filter((s) => s.role === 'evaluator');
    const bad = evaluations.filter((s) => s.modelId === judge);
    expect(bad).toHaveLength(2);
    expect(bad.every((s) => s.status === 'failed' && s.error.errorClass === 'invalid_evaluation')).toBe(true);
    // The second ask is the first one and a note of what could not be read in the first answer.
    const [asked, again] = bad.map((s) => s.prompt.messages as Json[]);
    expect(again.slice(0, -1)).toEqual(asked);
    expect(again.at(-1)).toMatchObject({ role: 'user' });
    expect(again.at(-1)?.content).toContain(`could not be read: ${bad[0].error.message}`);
    const good = evaluations.filter((s) => s.modelId !== judge);
    expect(good).toHaveLength(1);
    expect(r.score).toBe(good[0].evaluation.score);
  });

  /** A run's stored events, for the order clients saw. */
  const eventsOf = async (runId: string): Promise<Json[]> =>
    (await env.t.http().get(`/api/orchestrate/runs/${runId}/events`).set(auth(key)).expect(200)).body as Json[];

  it('should retry an evaluation whose stream breaks after its first piece, and end the run succeeded', async () => {
    env.sim.queueScores('*', [9, 9, 9]);
    env.sim.injectFault('*', { type: 'reset', afterTokens: 1, on: 'json' });
    const r = await run({ prompt: 'Explain why the sky is blue', models: PINNED, maxIterations: 1 });
    expect(r.status).toBe('succeeded');
    const evaluations = (r.steps as Json[]).filter((s) => s.role === 'evaluator');
    expect(evaluations).toHaveLength(2);
    expect(evaluations.every((s) => s.status === 'succeeded' && s.evaluation.score === 9)).toBe(true);
    const broken = evaluations.find((s) => s.attempts === 2) as Json;
    expect(broken).toBeDefined();
    expect(r.score).toBe(9);

    const events = await eventsOf(r.id as string);
    const retried = events.filter((e) => e.type === 'step.retried');
    expect(retried).toHaveLength(1);
    expect(retried[0].data).toMatchObject({
      stepId: broken.stepId,
      attempt: 2,
      modelId: broken.modelId,
      errorClass: 'network',
    });
    // The retry comes between the step's start and its end.
    const at = (type: string) => events.findIndex((e) => e.type === type && e.data.stepId === broken.stepId);
    expect(at('step.started')).toBeLessThan(at('step.retried'));
    expect(at('step.retried')).toBeLessThan(
      events.findIndex((e) => e.type === 'step.completed' && e.data.step.stepId === broken.stepId),
    );
    // Each attempt is a call in the run's totals.
    expect(r.totals.calls).toBe((r.steps as Json[]).length + 1);
  });

  it('should retry a refinement cut after its first token, dropping the partial text, and end succeeded', async () => {
    env.sim.configure('*', { tokenMs: 1, outputTokens: 30 });
    env.sim.queueScores('*', [5, 5, 9, 9]);
    // The first answer passes; the refinement (the second answer) is cut after one token.
    env.sim.injectFault('*', { type: 'reset', afterTokens: 1, on: 'text', skip: 1 });
    const r = await run({ prompt: 'Explain step by step why the sky is blue', models: PINNED, qualityThreshold: 8 });
    expect(r).toMatchObject({ status: 'succeeded', thresholdMet: true, score: 9, iterations: 2 });
    const refiner = (r.steps as Json[]).find((s) => s.role === 'refiner') as Json;
    expect(refiner).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(r.answer).toBe(refiner.text);

    const events = await eventsOf(r.id as string);
    const retried = events.find((e) => e.type === 'step.retried' && e.data.stepId === refiner.stepId) as Json;
    expect(retried.data.discardedChars).toBeGreaterThan(0);
    // What a client keeps: the deltas after the retry, which add up to the stored text.
    const after = events.slice(events.indexOf(retried));
    const kept = after
      .filter((e) => e.type === 'step.delta' && e.data.stepId === refiner.stepId)
      .map((e) => e.data.text)
      .join('');
    expect(kept).toBe(refiner.text);
    const dropped = events
      .slice(0, events.indexOf(retried))
      .filter((e) => e.type === 'step.delta' && e.data.stepId === refiner.stepId)
      .map((e) => e.data.text)
      .join('');
    expect(dropped.length).toBe(retried.data.discardedChars);
  });

  it('should never count the simulator’s own (hash) scores in the leaderboard, though the run shows them', async () => {
    const r = await run({ prompt: 'Compare two sorting algorithms for me', models: PINNED, maxIterations: 1 });
    const evaluations = (r.steps as Json[]).filter((s) => s.role === 'evaluator' && s.status === 'succeeded');
    expect(evaluations.length).toBeGreaterThan(0);
    expect(evaluations.every((s) => s.evaluation.simulated === true)).toBe(true);
    expect(typeof r.score).toBe('number');
    await new Promise((resolve) => setTimeout(resolve, env.t.config.usage.flushIntervalMs + 200));
    const board = (await env.t.http().get('/api/analytics/models').set(auth(key)).expect(200)).body as Json;
    const row = (board.models as Json[]).find((m) => m.modelId === r.team.primary[0]) as Json;
    expect(row.answers).toBeGreaterThan(0);
    // Earlier tests' queued scores count; this run's simulated ones must not have changed the mean.
    const before = row.scoredAnswers as number;
    const again = await run({ prompt: 'Compare two sorting algorithms for me', models: PINNED, maxIterations: 1 });
    expect(again.team.primary[0]).toBe(r.team.primary[0]);
    await new Promise((resolve) => setTimeout(resolve, env.t.config.usage.flushIntervalMs + 200));
    const later = (await env.t.http().get('/api/analytics/models').set(auth(key)).expect(200)).body as Json;
    const rowLater = (later.models as Json[]).find((m) => m.modelId === r.team.primary[0]) as Json;
    expect(rowLater.answers).toBeGreaterThan(row.answers as number);
    expect(rowLater.scoredAnswers).toBe(before);
  });

  it('should run an ensemble: proposers in parallel, then an aggregator that sees their answers', async () => {
    const r = await run({ prompt: 'Suggest a name for a bakery', strategy: 'ensemble', models: PINNED, proposers: 3 });
    expect(r.status).toBe('succeeded');
    const steps = r.steps as Json[];
    const proposals = steps.filter((s) => s.role === 'proposer');
    expect(proposals.map((s) => s.modelId).sort()).toEqual([...PINNED].sort());
    const [aggregate] = steps.filter((s) => s.role === 'aggregator');
    expect(steps.at(-1)).toBe(aggregate);
    expect(aggregate.prompt.id).toBe('aggregate');
    // The responses go in the system message, the request alone is the user's turn.
    for (const p of proposals) expect(aggregate.prompt.messages[0].content).toContain(p.text);
    expect(aggregate.prompt.messages.at(-1)).toEqual({ role: 'user', content: 'Suggest a name for a bakery' });
    expect(aggregate.prompt.version).toBe(2);
    expect(r.answer).toBe(aggregate.text);
    expect(r.team).toMatchObject({ proposers: expect.any(Array), aggregator: [aggregate.modelId] });
  });

  it("should ask for the evaluation's JSON schema where the provider enforces one, and by prompt elsewhere", async () => {
    const r = await run({ prompt: 'Explain what a hash map is', models: PINNED, maxIterations: 1, evaluators: 2 });
    const evaluations = (r.steps as Json[]).filter((s) => s.role === 'evaluator');
    const enforced = evaluations.filter((s) => /^(openai|mistral|xai)\//.test(s.modelId));
    expect(evaluations.length).toBe(2);
    const { formats } = env.sim.getStats();
    expect(formats['json_schema:evaluation'] ?? 0).toBe(enforced.length);
    // An Anthropic evaluator is asked in its system prompt; no JSON mode is sent to anyone.
    expect(formats.json_object ?? 0).toBe(0);
    for (const s of evaluations) expect(s).toMatchObject({ status: 'succeeded', evaluation: expect.any(Object) });
  });

  it('should run Self-MoA: samples of the one best model, which aggregates them itself', async () => {
    const r = await run({
      prompt: 'Suggest a name for a bookshop',
      strategy: 'ensemble',
      models: PINNED,
      proposers: 3,
      selfMoa: true,
    });
    expect(r.status).toBe('succeeded');
    expect(r.options).toMatchObject({ selfMoa: true });
    const steps = r.steps as Json[];
    const samples = steps.filter((s) => s.role === 'proposer');
    expect(samples).toHaveLength(3);
    expect(new Set(samples.map((s) => s.modelId)).size).toBe(1);
    expect(r.team.proposers).toEqual([samples[0].modelId, samples[0].modelId, samples[0].modelId]);
    const [aggregate] = steps.filter((s) => s.role === 'aggregator');
    expect(aggregate.modelId).toBe(samples[0].modelId);
    expect(r.answer).toBe(aggregate.text);
    // The references stay anonymous: no model is named to the aggregator.
    for (const model of PINNED) expect(JSON.stringify(aggregate.prompt.messages)).not.toContain(model);
  });

  it('should cascade from the cheapest adequate model up until one is scored at the threshold', async () => {
    env.sim.queueScores('*', [4, 4, 9, 9]);
    const models = [
      'mistral/ministral-8b-2512',
      'mistral/mistral-small-2603',
      'openai/gpt-5.4-mini',
      'anthropic/claude-haiku-4-5',
    ];
    const r = await run({
      prompt: 'Tell me something nice about autumn',
      strategy: 'cascade',
      models,
      qualityThreshold: 8,
    });
    expect(r).toMatchObject({ status: 'succeeded', thresholdMet: true, score: 9, iterations: 2 });
    const rungs = (r.steps as Json[]).filter((s) => s.role === 'primary');
    expect(rungs.map((s) => s.modelId)).toEqual(r.team.ladder.slice(0, 2));
    // Cheapest first: the first rung costs no more per token than the second.
    const catalogue = (await env.t.http().get('/api/models').set(auth(key)).expect(200)).body as Json[];
    const price = (id: string) => catalogue.find((m) => m.id === id)!.pricing.outputPerMTok as number;
    expect(price(rungs[0].modelId)).toBeLessThanOrEqual(price(rungs[1].modelId));
    expect(r.answer).toBe(rungs[1].text);
  });

  it('should compare models side by side and keep the best-scored answer', async () => {
    const r = await run({
      prompt: 'Summarise the plot of Hamlet',
      strategy: 'compare',
      models: PINNED,
      proposers: 3,
      evaluate: true,
    });
    expect(r.status).toBe('succeeded');
    const steps = r.steps as Json[];
    const answers = steps.filter((s) => s.role === 'primary');
    expect(answers).toHaveLength(3);
    const mean = (id: string) => {
      const scores = steps
        .filter((s) => s.evaluatesStepId === id && s.evaluation)
        .map((s) => s.evaluation.score as number);
      return scores.reduce((a, b) => a + b, 0) / scores.length;
    };
    const best = [...answers].sort((a, b) => mean(b.stepId) - mean(a.stepId))[0];
    expect(r.score).toBeCloseTo(mean(best.stepId), 2);
    expect(r.answer).toBe(best.text);
  });

  it('should stop at the cost limit with the best answer so far', async () => {
    const r = await run({ prompt: 'Explain how vaccines work', models: PINNED, costLimitUsd: 0.006 });
    expect(r.status).toBe('budget_exceeded');
    expect(r.error).toMatchObject({
      errorClass: 'budget_exceeded',
      message: expect.stringMatching(/of the limit is left/),
    });
    const primary = (r.steps as Json[])[0];
    expect(r.answer).toBe(primary.text);
    expect(r.totals.costUsd).toBeLessThanOrEqual(0.006);
    const messages = (await env.t.http().get(`/api/threads/${r.threadId}/messages`).set(auth(key)).expect(200))
      .body as Json;
    expect(messages.items.at(-1)).toMatchObject({ role: 'assistant', content: primary.text });
  });

  it('should fail a run no model can afford, saying why', async () => {
    const r = await run({ prompt: 'Explain how vaccines work', models: PINNED, costLimitUsd: 0.00001 });
    expect(r.status).toBe('failed');
    expect(r.error.errorClass).toBe('no_model');
    expect(r.error.message).toMatch(/more than the limit/);
    expect(r.steps).toEqual([]);
  });

  it('should retry a provider fault and fall back to the next model before the first token', async () => {
    const primaryOf = async () =>
      (await run({ prompt: 'What is the boiling point of water?', strategy: 'route', models: PINNED }))
        .answerModelId as string;
    const primary = await primaryOf();
    const upstream = primary.split('/')[1];
    env.sim.injectFault(upstream, { type: '503', retryAfterSeconds: 0 }, 1);
    const retried = await run({ prompt: 'What is the boiling point of water?', strategy: 'route', models: PINNED });
    expect(retried.steps[0]).toMatchObject({ modelId: primary, attempts: 2, status: 'succeeded' });

    env.sim.injectFault(upstream, { type: '500' }, 3);
    const fellBack = await run({ prompt: 'What is the boiling point of water?', strategy: 'route', models: PINNED });
    expect(fellBack.status).toBe('succeeded');
    expect(fellBack.steps[0].modelId).not.toBe(primary);
    expect(fellBack.steps[0].attempts).toBe(4);
    expect(fellBack.answerModelId).toBe(fellBack.steps[0].modelId);
  });

  it('should give the thread history to the models', async () => {
    const first = await run({ prompt: 'My name is Ada.', strategy: 'route', models: PINNED });
    const second = await run({
      prompt: 'What is my name?',
      strategy: 'route',
      models: PINNED,
      threadId: first.threadId,
    });
    const messages = second.steps[0].prompt.messages as Json[];
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: first.answer },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  it('should cancel a run mid-stream, closing the upstream request', async () => {
    env.sim.configure('*', { tokenMs: 40, outputTokens: 400 });
    const started = await run(
      { prompt: 'Write a long story about the sea', strategy: 'route', models: PINNED },
      '',
      202,
    );
    const deadline = Date.now() + 5000;
    let events: Json[] = [];
    while (!events.some((e) => e.type === 'step.delta') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      events = (await env.t.http().get(`/api/orchestrate/runs/${started.runId}/events`).set(auth(key)).expect(200))
        .body as Json[];
    }
    // Cancel mid-stream, not before the stream began.
    expect(events.some((e) => e.type === 'step.delta')).toBe(true);
    const cancelled = (
      await env.t.http().post(`/api/orchestrate/runs/${started.runId}/cancel`).set(auth(key)).expect(200)
    ).body as Json;
    expect(cancelled.status).toBe('cancelled');
    events = (await env.t.http().get(`/api/orchestrate/runs/${started.runId}/events`).set(auth(key)).expect(200))
      .body as Json[];
    expect(events.at(-1)).toMatchObject({ type: 'run.cancelled' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (let i = 0; i < 250 && env.sim.getStats().clientAborts === 0; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect(env.sim.getStats().clientAborts).toBe(1);
    await env.t.http().post(`/api/orchestrate/runs/${started.runId}/cancel`).set(auth(key)).expect(409);
    const stored = (await env.t.http().get(`/api/orchestrate/runs/${started.runId}`).set(auth(key)).expect(200))
      .body as Json;
    expect(stored.steps[0]).toMatchObject({ status: 'failed', error: { errorClass: 'cancelled' } });
    expect(stored.answer).toBeNull();
  });

  it('should stream the run as server-sent events when asked to', async () => {
    const res = await env.t
      .http()
      .post('/api/orchestrate')
      .set(auth(key))
      .set('accept', 'text/event-stream')
      .send({ sessionId, prompt: 'Translate "hello" into German', strategy: 'route', models: PINNED })
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => done(null, text));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const blocks = (res.body as string).split('\n\n').filter((b) => b.startsWith('id:'));
    const events = blocks.map(
      (b) =>
        JSON.parse(
          b
            .split('\n')
            .find((l) => l.startsWith('data: '))!
            .slice(6),
        ) as Json,
    );
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0].type).toBe('run.started');
    expect(events.find((e) => e.type === 'run.domain_detected')?.data.domain).toBe('translation');
    expect(events.at(-1)?.type).toBe('run.completed');
  });

  it('should refuse bad requests with a 4xx that names the problem', async () => {
    const bad = async (body: Json, status: number, message: RegExp) => {
      const res = await env.t.http().post('/api/orchestrate').set(auth(key)).send(body).expect(status);
      expect((res.body as Json).message).toMatch(message);
    };
    await bad({ sessionId, prompt: 'x', strategy: 'vote' }, 400, /strategy must be one of/);
    await bad({ sessionId, prompt: '' }, 400, /prompt must be longer/);
    await bad({ sessionId, prompt: 'x', models: ['openai/gpt-0'] }, 400, /not in the catalogue: openai\/gpt-0/);
    await bad({ sessionId, prompt: 'x', costLimitUsd: -1 }, 400, /costLimitUsd must be a positive number/);
    await bad({ sessionId: 'nope', prompt: 'x' }, 400, /sessionId must be a 24-character/);
    const other = await createUserKey(env.t);
    const foreign = await createSession(env.t, other.key);
    await bad({ sessionId: foreign.id, prompt: 'x' }, 404, /session .* not found/);
    const otherSession = await createSession(env.t, key);
    const thread = (
      await env.t
        .http()
        .post('/api/threads')
        .set(auth(key))
        .send({ sessionId: otherSession.id, title: 't' })
        .expect(201)
    ).body as Json;
    await bad({ sessionId, threadId: thread.id, prompt: 'x' }, 400, /belongs to another session/);
    await env.t.http().post(`/api/sessions/${otherSession.id}/end`).set(auth(key)).send({}).expect(200);
    await bad({ sessionId: otherSession.id, prompt: 'x' }, 409, /is completed/);
    await env.t.http().get(`/api/orchestrate/runs/0123456789abcdef01234567`).set(auth(key)).expect(404);
  });

  it('should list runs with filters and pages, and hide them from other keys', async () => {
    const page = (
      await env.t.http().get(`/api/orchestrate/runs?sessionId=${sessionId}&limit=2`).set(auth(key)).expect(200)
    ).body as Json;
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    expect(page.items[0].steps).toBeUndefined();
    const next = (
      await env.t
        .http()
        .get(`/api/orchestrate/runs?sessionId=${sessionId}&limit=2&cursor=${page.nextCursor}`)
        .set(auth(key))
        .expect(200)
    ).body as Json;
    expect(next.items[0].id).not.toBe(page.items[1].id);
    const failed = (await env.t.http().get('/api/orchestrate/runs?status=failed').set(auth(key)).expect(200))
      .body as Json;
    expect(failed.items.every((r: Json) => r.status === 'failed')).toBe(true);
    const other = await createUserKey(env.t);
    const theirs = (await env.t.http().get('/api/orchestrate/runs').set(auth(other.key)).expect(200)).body as Json;
    expect(theirs.items).toEqual([]);
    await env.t.http().get(`/api/orchestrate/runs/${page.items[0].id}`).set(auth(other.key)).expect(404);
    await env.t.http().get(`/api/orchestrate/runs/${page.items[0].id}/events`).set(auth(other.key)).expect(404);
  });
});

describe('orchestration limits', () => {
  it('should refuse a run beyond the per-key limit with a 429', async () => {
    const env = await startSimulatedApp({ MAX_RUNS_PER_KEY: '1' });
    try {
      const { key } = await createUserKey(env.t);
      const sessionId = (await createSession(env.t, key)).id;
      env.sim.configure('*', { tokenMs: 20, outputTokens: 200 });
      const body = { sessionId, prompt: 'A long answer please', strategy: 'route' };
      const first = (await env.t.http().post('/api/orchestrate').set(auth(key)).send(body).expect(202)).body as Json;
      const refused = await env.t.http().post('/api/orchestrate').set(auth(key)).send(body).expect(429);
      expect((refused.body as Json).message).toMatch(/already has 1 runs going \(MAX_RUNS_PER_KEY\)/);
      await env.t.http().post(`/api/orchestrate/runs/${first.runId}/cancel`).set(auth(key)).expect(200);
      await env.t.http().post('/api/orchestrate').set(auth(key)).send(body).expect(202);
    } finally {
      await env.close();
    }
  });

  it('should refuse a new run with a 429 while the global bound on model calls in flight is reached', async () => {
    const env = await startSimulatedApp({ MAX_INFLIGHT_CALLS: '1' });
    try {
      const a = await createUserKey(env.t);
      const b = await createUserKey(env.t);
      env.sim.configure('*', { tokenMs: 20, outputTokens: 200 });
      const body = async (k: string) => ({
        sessionId: (await createSession(env.t, k)).id,
        prompt: 'Long, please',
        strategy: 'route',
      });
      const first = (
        await env.t
          .http()
          .post('/api/orchestrate')
          .set(auth(a.key))
          .send(await body(a.key))
          .expect(202)
      ).body as Json;
      const events = async () =>
        (await env.t.http().get(`/api/orchestrate/runs/${first.runId}/events`).set(auth(a.key)).expect(200))
          .body as Json[];
      while (!(await events()).some((e) => e.type === 'step.started')) await new Promise((r) => setTimeout(r, 20));
      const refused = await env.t
        .http()
        .post('/api/orchestrate')
        .set(auth(b.key))
        .send(await body(b.key))
        .expect(429);
      expect((refused.body as Json).message).toMatch(/1 model calls in flight \(MAX_INFLIGHT_CALLS\)/);
      await env.t.http().post(`/api/orchestrate/runs/${first.runId}/cancel`).set(auth(a.key)).expect(200);
      await env.t
        .http()
        .post('/api/orchestrate')
        .set(auth(b.key))
        .send(await body(b.key))
        .expect(202);
    } finally {
      await env.close();
    }
  });

  it('should hand a hung model over to the next candidate after one per-attempt timeout', async () => {
    const env = await startSimulatedApp({ PROVIDER_TIMEOUT_MS: '300' });
    try {
      const { key } = await createUserKey(env.t);
      const sessionId = (await createSession(env.t, key)).id;
      // The first model asked hangs, on every attempt it would get.
      env.sim.injectFault('*', { type: 'hang' }, 1);
      const r = (
        await env.t
          .http()
          .post('/api/orchestrate?wait=true')
          .set(auth(key))
          .send({ sessionId, prompt: 'What is the boiling point of water?', strategy: 'route', models: PINNED })
          .expect(200)
      ).body as Json;
      expect(r.status).toBe('succeeded');
      const [hung] = r.team.primary as string[];
      expect(r.steps[0].modelId).not.toBe(hung);
      expect(r.steps[0].attempts).toBe(2);
      // The hung model was asked once, not retried until the run's deadline.
      const requests = env.sim.getStats().requests;
      expect(requests[hung.split('/')[1]]).toBe(1);
      expect(env.sim.getStats().clientAborts).toBe(1);
    } finally {
      await env.close();
    }
  });

  it('should mark a run left running by a dead process as interrupted at the next start', async () => {
    const env = await startSimulatedApp();
    try {
      const { key } = await createUserKey(env.t);
      const sessionId = (await createSession(env.t, key)).id;
      const done = (
        await env.t
          .http()
          .post('/api/orchestrate?wait=true')
          .set(auth(key))
          .send({ sessionId, prompt: 'Hello', strategy: 'route' })
          .expect(200)
      ).body as Json;
      // What a killed process leaves behind: the run `running`, its log cut before the end.
      const { Types } = await import('mongoose');
      const runId = new Types.ObjectId(done.id as string);
      await env.t.db.collection('runs').updateOne({ _id: runId }, { $set: { status: 'running', endedAt: null } });
      await env.t.db.collection('run_events').deleteMany({ runId, type: 'run.completed' });
      const cut = await env.t.db.collection('run_events').countDocuments({ runId });

      const t = await env.restart();
      const run = (await t.http().get(`/api/orchestrate/runs/${done.id}`).set(auth(key)).expect(200)).body as Json;
      expect(run.status).toBe('interrupted');
      const events = (await t.http().get(`/api/orchestrate/runs/${done.id}/events`).set(auth(key)).expect(200))
        .body as Json[];
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events).toHaveLength(cut + 1);
      expect(events.at(-1)).toMatchObject({
        type: 'run.interrupted',
        data: { reason: expect.stringMatching(/server stopped/) },
      });
    } finally {
      await env.close();
    }
  });
});
