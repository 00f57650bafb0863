import { ADMIN_KEY } from './support/app.js';
import { auth } from './support/factories.js';
import { startGateway } from './support/simulated.js';

/**
 * A non-streamed `orchestratex/*` call holds its connection until its run ends: past
 * ORCHESTRATE_WAIT_MS (the REST API's `?wait=true` bound) it still answers with the run's answer,
 * and only past GATEWAY_RUN_TIMEOUT_MS is the run cancelled, with a 504 naming it.
 */
describe('/v1 orchestratex/* calls that take long', () => {
  const slow = { ttftMs: 300, tokenMs: 10 };

  it('should answer with the run’s answer after ORCHESTRATE_WAIT_MS, never a 4xx while the run goes on', async () => {
    const gateway = await startGateway({ ORCHESTRATE_WAIT_MS: '1000' });
    try {
      gateway.env.sim.configure('*', slow);
      const raw = await gateway.client.chat.completions
        .create({ model: 'orchestratex/improve', messages: [{ role: 'user', content: 'Explain recursion' }] })
        .withResponse();
      const runId = raw.response.headers.get('x-orchestratex-run-id')!;
      const { body: run } = await gateway.env.t
        .http()
        .get(`/api/orchestrate/runs/${runId}`)
        .set(auth(ADMIN_KEY))
        .expect(200);
      expect(run.status).toBe('succeeded');
      expect(Date.parse(run.endedAt) - Date.parse(run.createdAt)).toBeGreaterThan(1000);
      expect(raw.data.choices[0].message.content).toBe(run.answer);
    } finally {
      await gateway.env.close();
    }
  });

  it('should cancel a run past GATEWAY_RUN_TIMEOUT_MS and say so with a 504', async () => {
    const gateway = await startGateway({ GATEWAY_RUN_TIMEOUT_MS: '1000' });
    try {
      gateway.env.sim.configure('*', slow);
      const failed = await gateway.client.chat.completions
        .create({ model: 'orchestratex/improve', messages: [{ role: 'user', content: 'Explain recursion' }] })
        .then(
          () => null,
          (e: unknown) => e as { status: number; message: string; headers: Headers },
        );
      expect(failed?.status).toBe(504);
      const runId = /run ([0-9a-f]{24}) did not end within 1000 ms \(GATEWAY_RUN_TIMEOUT_MS\) and was cancelled/.exec(
        failed?.message ?? '',
      )?.[1];
      expect(runId).toBeDefined();
      const { body: run } = await gateway.env.t
        .http()
        .get(`/api/orchestrate/runs/${runId}`)
        .set(auth(ADMIN_KEY))
        .expect(200);
      expect(run.status).toBe('cancelled');
    } finally {
      await gateway.env.close();
    }
  });
});
