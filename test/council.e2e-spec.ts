import { useSimulatedSession } from './support/simulated.js';
import { auth } from './support/factories.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MEMBERS = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];

/** POST /api/orchestrate?wait=true in the context's session, with the members. */
const startRun = (ctx: ReturnType<typeof useSimulatedSession>, body: Json) =>
  ctx.env.t
    .http()
    .post('/api/orchestrate?wait=true')
    .set(auth(ctx.key))
    .send({ sessionId: ctx.sessionId, models: MEMBERS, ...body });

describe('council runs', () => {
  const ctx = useSimulatedSession();

  const post = (body: Json) => startRun(ctx, { strategy: 'council', ...body });
  const run = async (body: Json): Promise<Json> => (await post(body).expect(200)).body as Json;
  const eventsOf = async (runId: string): Promise<Json[]> =>
    (await ctx.env.t.http().get(`/api/orchestrate/runs/${runId}/events`).set(auth(ctx.key)).expect(200)).body as Json[];

  it("should have members answer, review each other's answers under labels only, and a chairman answer", async () => {
    const r = await run({ prompt: 'What makes a good city park?', seed: 'park-1' });
    expect(r).toMatchObject({ status: 'succeeded', strategy: 'council' });
    expect(r.options).toMatchObject({ seed: 'park-1', selfRecusal: true });
    const steps = r.steps as Json[];
    expect(steps.map((s) => s.role)).toEqual([
      'proposer',
      'proposer',
      'proposer',
      'reviewer',
      'reviewer',
      'reviewer',
      'chairman',
    ]);
    const answers = steps.filter((s) => s.role === 'proposer');
    expect(answers.map((s) => s.modelId).sort()).toEqual([...MEMBERS].sort());
    const textOf = new Map(answers.map((a) => [a.stepId, a.text as string]));

    for (const review of steps.filter((s) => s.role === 'reviewer')) {
      const own = answers.find((a) => a.modelId === review.modelId) as Json;
      const shown = Object.values(review.review.labels as Record<string, string>);
      // Self-recusal: the two other answers, under A and B, never the reviewer's own.
      expect(Object.keys(review.review.labels)).toEqual(['A', 'B']);
      expect(shown.sort()).toEqual(
        answers
          .filter((a) => a !== own)
          .map((a) => a.stepId)
          .sort(),
      );
      expect([...review.review.ranking].sort()).toEqual(shown.sort());
      const prompt = (review.prompt.messages as Json[]).map((m) => m.content as string).join('\n');
      expect(review.prompt.id).toBe('review');
      for (const id of shown) expect(prompt).toContain(textOf.get(id));
      expect(prompt).not.toContain(own.text);
      // Anonymised: no member is named.
      for (const model of MEMBERS) {
        expect(prompt).not.toContain(model);
        expect(prompt).not.toContain(model.split('/')[0]);
      }
    }

    // The aggregate, recomputed here from the stored reviews: Borda k−1…0 per ballot, mean position.
    const ranked = (await eventsOf(r.id)).find((e) => e.type === 'run.ranked') as Json;
    expect(ranked.data).toMatchObject({ reviews: 3, selfRecusal: true, seed: 'park-1' });
    const ballots = steps.filter((s) => s.role === 'reviewer').map((s) => s.review.ranking as string[]);
    const expected = answers.map((a) => {
      const places = ballots.filter((b) => b.includes(a.stepId)).map((b) => b.indexOf(a.stepId));
      return {
        stepId: a.stepId,
        modelId: a.modelId,
        borda: ballots.reduce((sum, b) => sum + (b.includes(a.stepId) ? b.length - 1 - b.indexOf(a.stepId) : 0), 0),
        meanRank: Math.round((places.reduce((sum, p) => sum + p + 1, 0) / places.length) * 1000) / 1000,
        reviews: places.length,
      };
    });
    expect([...(ranked.data.ranking as Json[])].sort((a, b) => a.stepId.localeCompare(b.stepId))).toEqual(
      expected.map((e) => ({ ...e, meanScore: expect.any(Number) })).sort((a, b) => a.stepId.localeCompare(b.stepId)),
    );
    const bordas = (ranked.data.ranking as Json[]).map((x) => x.borda as number);
    expect(bordas).toEqual([...bordas].sort((a, b) => b - a));

    // The chairman sees every answer and the ranking, under labels, and writes the answer.
    const chairman = steps.at(-1) as Json;
    expect(chairman.prompt.id).toBe('chair');
    const chairPrompt = (chairman.prompt.messages as Json[]).map((m) => m.content as string).join('\n');
    for (const a of answers) expect(chairPrompt).toContain(a.text);
    for (const model of MEMBERS) expect(chairPrompt).not.toContain(model);
    expect(r.answer).toBe(chairman.text);
    expect(r.answerModelId).toBe(chairman.modelId);
    expect(r.team).toMatchObject({ proposers: expect.any(Array), aggregator: [chairman.modelId] });

    // The same seed shows each reviewer the same answers under the same labels.
    const again = await run({ prompt: 'What makes a good city park?', seed: 'park-1' });
    const labelsBy = (x: Json) =>
      Object.fromEntries(
        (x.steps as Json[]).filter((s) => s.role === 'reviewer').map((s) => [s.modelId, s.review.labels]),
      );
    expect(labelsBy(again)).toEqual(labelsBy(r));
  });

  it('should show each member every answer, its own too, without self-recusal', async () => {
    const r = await run({ prompt: 'Name three uses of copper', selfRecusal: false });
    expect(r.options.seed).toMatch(/^[0-9a-f]{16}$/);
    const answers = (r.steps as Json[]).filter((s) => s.role === 'proposer').map((s) => s.stepId);
    for (const review of (r.steps as Json[]).filter((s) => s.role === 'reviewer')) {
      expect(Object.keys(review.review.labels)).toEqual(['A', 'B', 'C']);
      expect(Object.values(review.review.labels).sort()).toEqual([...answers].sort());
    }
    const ranked = (await eventsOf(r.id)).find((e) => e.type === 'run.ranked') as Json;
    expect(ranked.data.selfRecusal).toBe(false);
    expect(ranked.data.ranking.map((x: Json) => x.reviews)).toEqual([3, 3, 3]);
  });

  it('should record a review it cannot read as failed after one more try, and rank on the others', async () => {
    ctx.env.sim.injectFault(MEMBERS[0].split('/')[1], { type: 'invalid_json', on: 'json' }, 2);
    const r = await run({ prompt: 'Is a tomato a fruit?' });
    expect(r.status).toBe('succeeded');
    const reviews = (r.steps as Json[]).filter((s) => s.role === 'reviewer');
    const failed = reviews.filter((s) => s.status === 'failed');
    expect(failed).toHaveLength(2);
    for (const f of failed) {
      expect(f).toMatchObject({ modelId: MEMBERS[0], review: null, error: { errorClass: 'invalid_evaluation' } });
    }
    const ranked = (await eventsOf(r.id)).find((e) => e.type === 'run.ranked') as Json;
    expect(ranked.data.reviews).toBe(2);
  });

  it('should count the members’ review scores on the leaderboard when they are judgements, not simulated', async () => {
    const board = async () =>
      ((await ctx.env.t.http().get('/api/analytics/models').set(auth(ctx.key)).expect(200)).body as Json)
        .models as Json[];
    const before = new Map((await board()).map((m) => [m.modelId, m.scoredAnswers as number]));
    ctx.env.sim.queueScores('*', [8, 8, 8]);
    const r = await run({ prompt: 'Why do leaves change colour?' });
    const ranked = (await eventsOf(r.id)).find((e) => e.type === 'run.ranked') as Json;
    expect(ranked.data.ranking.map((x: Json) => x.meanScore)).toEqual([8, 8, 8]);
    await new Promise((resolve) => setTimeout(resolve, ctx.env.t.config.usage.flushIntervalMs + 200));
    const after = await board();
    for (const model of MEMBERS) {
      expect(after.find((m) => m.modelId === model)?.scoredAnswers).toBe((before.get(model) ?? 0) + 1);
    }
  });

  it('should refuse options a council does not read, and a council of one, with a 400 naming them', async () => {
    const layers = await post({ prompt: 'x', layers: 2 }).expect(400);
    expect(JSON.stringify(layers.body.message)).toContain('layers is not an option of council runs (ensemble read it)');
    const one = await post({ prompt: 'x', proposers: 1 }).expect(400);
    expect(JSON.stringify(one.body.message)).toContain('a council needs two members or more');
    const recusal = await post({ prompt: 'x', strategy: 'improve', selfRecusal: false }).expect(400);
    expect(JSON.stringify(recusal.body.message)).toContain(
      'selfRecusal is not an option of improve runs (council read it)',
    );
    const seed = await post({ prompt: 'x', seed: 'has spaces' }).expect(400);
    expect(JSON.stringify(seed.body.message)).toContain('seed must be 1 to 64 letters');
  });

  it("should refuse the loop's options on a strategy that does not loop, and take them where it does", async () => {
    const both = await post({ prompt: 'x', maxIterations: 2, qualityThreshold: 8 }).expect(400);
    expect(JSON.stringify(both.body.message)).toContain(
      'maxIterations is not an option of council runs (improve, cascade read it); qualityThreshold is not an option of council runs (improve, cascade read it)',
    );
    const threshold = await post({ prompt: 'x', strategy: 'route', qualityThreshold: 8 }).expect(400);
    expect(JSON.stringify(threshold.body.message)).toContain(
      'qualityThreshold is not an option of route runs (improve, cascade read it)',
    );
    const improve = await post({ prompt: 'x', strategy: 'improve', maxIterations: 1 }).expect(200);
    expect(improve.body).toMatchObject({ strategy: 'improve', options: { maxIterations: 1 } });
  });
});

describe('debate runs', () => {
  const ctx = useSimulatedSession();

  const post = (body: Json) => startRun(ctx, { strategy: 'debate', ...body });

  it("should have each agent revise its answer after reading the others' latest ones, then a judge answer", async () => {
    const r = (await post({ prompt: 'How many legs do three spiders have?', rounds: 2 }).expect(200)).body as Json;
    expect(r).toMatchObject({ status: 'succeeded', strategy: 'debate', iterations: 3 });
    const steps = r.steps as Json[];
    expect(steps.map((s) => `${s.role}:${s.iteration}`)).toEqual([
      ...MEMBERS.map(() => 'proposer:1'),
      ...MEMBERS.map(() => 'debater:2'),
      ...MEMBERS.map(() => 'debater:3'),
      'judge:4',
    ]);
    // Round n: an agent sees its own answer of round n−1 and the others' of round n−1, unnamed.
    for (const round of [2, 3]) {
      const before = steps.filter((s) => s.iteration === round - 1 && s.role !== 'judge');
      for (const step of steps.filter((s) => s.iteration === round)) {
        const messages = step.prompt.messages as Json[];
        expect(step.prompt.id).toBe('debate');
        const own = before.find((b) => b.modelId === step.modelId) as Json;
        expect(messages.at(-2)).toEqual({ role: 'assistant', content: own.text });
        for (const other of before.filter((b) => b !== own))
          expect((messages.at(-1) as Json).content).toContain(other.text);
        for (const model of MEMBERS) expect(JSON.stringify(messages)).not.toContain(model);
      }
    }
    const judge = steps.at(-1) as Json;
    for (const last of steps.filter((s) => s.iteration === 3)) {
      expect(judge.prompt.messages[0].content).toContain(last.text);
    }
    expect(r.answer).toBe(judge.text);
  });

  it("should answer with the last round's consensus when evaluate is false", async () => {
    const r = (await post({ prompt: 'Name a prime number above 100', rounds: 1, evaluate: false }).expect(200))
      .body as Json;
    const steps = r.steps as Json[];
    expect(steps.some((s) => s.role === 'judge')).toBe(false);
    const last = steps.filter((s) => s.iteration === 2);
    expect(last).toHaveLength(3);
    expect(last.map((s) => s.text)).toContain(r.answer);
    expect(last.find((s) => s.text === r.answer)?.modelId).toBe(r.answerModelId);
  });

  it('should refuse rounds beyond the limit or on another strategy', async () => {
    const many = await post({ prompt: 'x', rounds: 5 }).expect(400);
    expect(JSON.stringify(many.body.message)).toContain('rounds must not be greater than 4');
    const elsewhere = await post({ prompt: 'x', strategy: 'compare', rounds: 2 }).expect(400);
    expect(JSON.stringify(elsewhere.body.message)).toContain(
      'rounds is not an option of compare runs (debate read it)',
    );
  });
});

describe('GET /api/orchestrate/strategies', () => {
  const ctx = useSimulatedSession();

  it('should list every strategy with its roles and the options it reads, with defaults and limits', async () => {
    const { body } = await ctx.env.t.http().get('/api/orchestrate/strategies').set(auth(ctx.key)).expect(200);
    const byName = new Map((body.data as Json[]).map((s) => [s.name, s]));
    expect([...byName.keys()]).toEqual(['route', 'improve', 'ensemble', 'cascade', 'compare', 'council', 'debate']);
    // A default of its own: a debate has a judge unless evaluate is false.
    expect((byName.get('debate') as Json).options).toContainEqual(
      expect.objectContaining({ name: 'evaluate', default: true }),
    );
    expect((byName.get('compare') as Json).options).toContainEqual(
      expect.objectContaining({ name: 'evaluate', default: false }),
    );
    expect(byName.get('route')).toMatchObject({ options: [], minModels: 1 });
    expect(byName.get('council')).toMatchObject({
      roles: ['proposers', 'aggregator', 'fallbacks'],
      minModels: 2,
      options: [
        { name: 'proposers', type: 'integer', default: 3, minimum: 1, maximum: 8 },
        { name: 'selfRecusal', type: 'boolean', default: true, minimum: null, maximum: null },
        { name: 'seed', type: 'string', default: null },
      ],
    });
    // The common options, described alike; each strategy names those it reads (the loop's two only where it loops).
    expect((body.commonOptions as Json[]).map((o) => o.name)).toEqual((byName.get('improve') as Json).commonOptions);
    expect((byName.get('cascade') as Json).commonOptions).toEqual((byName.get('improve') as Json).commonOptions);
    expect((byName.get('council') as Json).commonOptions).toEqual([
      'models',
      'costLimitUsd',
      'maxTokens',
      'temperature',
    ]);
    expect(body.commonOptions).toContainEqual(
      expect.objectContaining({ name: 'maxTokens', type: 'integer', default: null, minimum: 16, maximum: 200_000 }),
    );
    expect(body.commonOptions).toContainEqual(
      expect.objectContaining({ name: 'models', type: 'string[]', maximum: 12 }),
    );
    // The limits it lists are the ones a run is held to.
    const { body: session } = await ctx.env.t.http().post('/api/sessions').set(auth(ctx.key)).send({ title: 'limits' });
    const proposers = (byName.get('ensemble') as Json).options.find((o: Json) => o.name === 'proposers');
    await ctx.env.t
      .http()
      .post('/api/orchestrate')
      .set(auth(ctx.key))
      .send({ sessionId: session.id, prompt: 'x', strategy: 'ensemble', proposers: proposers.maximum + 1 })
      .expect(400);
    const maxTokens = (body.commonOptions as Json[]).find((o) => o.name === 'maxTokens')!;
    await ctx.env.t
      .http()
      .post('/api/orchestrate')
      .set(auth(ctx.key))
      .send({ sessionId: session.id, prompt: 'x', maxTokens: maxTokens.minimum - 1 })
      .expect(400);
  });
});
