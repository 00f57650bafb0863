import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useSimulatedSession } from './support/simulated.js';
import { auth } from './support/factories.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A model added through PROVIDERS_FILE without specialties: strength 0.5 in every domain. */
const HOUSE = 'openai/house-7b';

describe('teams that have to make do', () => {
  const ctx = useSimulatedSession(() => {
    const file = join(mkdtempSync(join(tmpdir(), 'orx-team-')), 'providers.json');
    writeFileSync(
      file,
      JSON.stringify({
        models: [
          {
            provider: 'openai',
            model: 'house-7b',
            roles: ['primary', 'evaluator'],
            pricing: { inputPerMTok: 0, outputPerMTok: 0 },
          },
        ],
      }),
    );
    return { PROVIDERS_FILE: file };
  });

  const run = async (body: Json): Promise<Json> =>
    (
      await ctx.env.t
        .http()
        .post('/api/orchestrate?wait=true')
        .set(auth(ctx.key))
        .send({ sessionId: ctx.sessionId, ...body })
        .expect(200)
    ).body as Json;

  it('should let the only model evaluate its own answers in improve, and say so on the run', async () => {
    const r = await run({ prompt: 'Describe a lighthouse', strategy: 'improve', models: [HOUSE], maxIterations: 1 });
    expect(r.status).toBe('succeeded');
    expect(r.team).toMatchObject({ primary: [HOUSE], evaluators: [HOUSE] });
    expect((r.steps as Json[]).filter((s) => s.role === 'evaluator').map((s) => s.modelId)).toEqual([HOUSE]);
    expect(r.teamNotes).toEqual([expect.stringContaining(`${HOUSE} evaluates its own answers`)]);
    const events = (await ctx.env.t.http().get(`/api/orchestrate/runs/${r.id}/events`).set(auth(ctx.key)).expect(200))
      .body as Json[];
    expect(events.find((e) => e.type === 'run.model_selected')?.data.notes).toEqual(r.teamNotes);
  });

  it('should cascade over models without specialties, cheapest first, and say why', async () => {
    const r = await run({
      prompt: 'Write a haiku about rain',
      strategy: 'cascade',
      models: [HOUSE, 'openai/gpt-5.4-mini'],
      qualityThreshold: 10,
      maxIterations: 2,
    });
    expect(r.status).toBe('succeeded');
    if (r.domain === 'creative') {
      // gpt-5.4-mini is adequate in creative writing: the ladder is its own, no note.
      expect(r.team.ladder).not.toContain(HOUSE);
    }
    const alone = await run({ prompt: 'Write a haiku about rain', strategy: 'cascade', models: [HOUSE] });
    expect(alone.status).toBe('succeeded');
    expect(alone.team.ladder).toEqual([HOUSE]);
    expect(alone.teamNotes).toEqual([
      expect.stringContaining(`no available model has a strength of 0.6 or more in ${alone.domain}`),
    ]);
  });

  it('should cost a call to a $0 model nothing, known, even when the provider reports no usage', async () => {
    ctx.env.sim.configure('house-7b', { omitUsage: true });
    const r = await run({ prompt: 'Say hello', strategy: 'route', models: [HOUSE] });
    expect(r.status).toBe('succeeded');
    expect(r.steps[0]).toMatchObject({ usage: null, costUsd: 0 });
    expect(r.totals).toMatchObject({ costUsd: 0, unknownCostCalls: 0 });
  });
});
