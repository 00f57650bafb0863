import { MongoClient, ObjectId } from 'mongodb';
import { io, type Socket } from 'socket.io-client';
import { FINAL_EVENTS, type RunEventType } from '../src/orchestration/events/run-events.js';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY, freshDatabaseUri } from './support/app.js';
import { buildDist, clusterEnvironment, NodeProcess, RedisProcess } from './support/cluster.js';
import { call, until } from './support/http.js';

interface Seen {
  type: RunEventType;
  runId: string;
  seq: number;
}

/**
 * The distributed mode as it is deployed: a real Redis, one database, two API instances that do
 * not execute runs (RUN_JOBS=false) and two workers, all separate processes of the built app.
 */
describe('Scale out: two API instances and two workers on Redis', () => {
  let redis: RedisProcess;
  let sim: UpstreamSimulator;
  let apiA: NodeProcess;
  let apiB: NodeProcess;
  /** An instance without the Socket.IO gateway: it follows runs through its event bus alone. */
  let apiC: NodeProcess;
  const workers: NodeProcess[] = [];
  const sockets: Socket[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    buildDist();
    redis = await RedisProcess.start();
    // Slow enough that a run is still going when its worker is killed 1.5 s in.
    sim = new UpstreamSimulator({ ttftMs: 150, tokenMs: 10, outputTokens: 40 });
    env = clusterEnvironment(await sim.listen(0), freshDatabaseUri(), redis.url);
    [apiA, apiB, apiC] = await Promise.all([
      NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'api-a' }),
      NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'api-b' }),
      NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'api-c', SOCKET_IO: 'false' }),
    ]);
    workers.push(
      ...(await Promise.all([
        NodeProcess.worker({ ...env, WRITER_ID: 'worker-1' }),
        NodeProcess.worker({ ...env, WRITER_ID: 'worker-2' }),
      ])),
    );
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all([apiA, apiB, apiC, ...workers].filter(Boolean).map((p) => p.kill('SIGKILL')));
    await sim?.close();
    await redis?.stop();
  });

  async function watch(base: string, target: Record<string, string>): Promise<{ socket: Socket; seen: Seen[] }> {
    const socket = io(`${base}/orchestration`, { auth: { token: ADMIN_KEY }, transports: ['websocket'] });
    sockets.push(socket);
    const seen: Seen[] = [];
    socket.onAny((type: RunEventType, event: Seen) => seen.push({ type, runId: event.runId, seq: event.seq }));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    expect(await socket.emitWithAck('subscribe', target)).toEqual({ ok: true, replayed: 0 });
    return { socket, seen };
  }

  it('should finish every run of a killed worker on the other, with gapless events seen once on another instance', async () => {
    const { body: session } = await call<{ id: string }>(apiA.url, '/api/sessions', {
      body: { title: 'scale', settings: { qualityThreshold: 10, maxIterations: 2 } },
    });
    const { socket, seen } = await watch(apiB.url, { sessionId: session.id });

    const runIds: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const { status, body } = await call<{ runId: string; status: string }>(apiA.url, '/api/orchestrate', {
        body: { sessionId: session.id, prompt: `Write a function that sorts list number ${i}`, strategy: 'improve' },
      });
      expect(status).toBe(202);
      expect(body.status).toBe('queued');
      runIds.push(body.runId);
    }
    // Killed mid-run: once the runs are under way and worker 1 holds some (their events are stored).
    await until(
      'worker 1 to hold runs under way',
      async () => {
        const health = (await (await fetch(`${workers[0].url}/health`)).json()) as { runs: number };
        return health.runs > 0 && seen.some((e) => e.type === 'step.completed') ? true : undefined;
      },
      30_000,
    );
    await workers[0].kill('SIGKILL');

    const runs = await until(
      'every run to end',
      async () => {
        const all = await Promise.all(
          runIds.map(async (id) => (await call<Record<string, unknown>>(apiB.url, `/api/orchestrate/runs/${id}`)).body),
        );
        return all.every((r) => r.status !== 'queued' && r.status !== 'running') ? all : undefined;
      },
      90_000,
    );
    expect(runs.map((r) => r.status)).toEqual(runIds.map(() => 'succeeded'));
    // The killed worker had runs going: some were taken over.
    const resumed = seen.filter((e) => e.type === 'run.resumed').map((e) => e.runId);
    expect(resumed.length).toBeGreaterThan(0);

    let succeededSteps = 0;
    let costs = 0;
    for (const run of runs) {
      const id = run.id as string;
      // Events are stored in batches: the final one follows the run's end by a few milliseconds.
      const stored = await until(
        `the final event of run ${id}`,
        async () => {
          const { body } = await call<{ seq: number; type: RunEventType }[]>(
            apiA.url,
            `/api/orchestrate/runs/${id}/events?limit=1000`,
          );
          return FINAL_EVENTS.includes(body.at(-1)?.type as RunEventType) ? body : undefined;
        },
        5000,
      );
      expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
      // Every event exactly once on the socket of the other instance, in order.
      expect(seen.filter((e) => e.runId === id).map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
      succeededSteps += (run.steps as { status: string }[]).filter((s) => s.status === 'succeeded').length;
      costs += (run.totals as { costUsd: number }).costUsd;
    }

    const { body: after } = await call<{ totalCostUsd: number }>(apiB.url, `/api/sessions/${session.id}`);
    expect(after.totalCostUsd).toBeCloseTo(costs, 9);
    // Usage is written in batches: every succeeded step is counted once it is flushed.
    let report: unknown = null;
    const usage = await until(
      'usage of every succeeded step',
      async () => {
        const { body } = await call<{ successes: number }>(apiB.url, `/api/analytics/sessions/${session.id}`);
        report = { succeededSteps, body };
        return body.successes >= succeededSteps ? body : undefined;
      },
      10_000,
      () => report,
    );
    expect(usage.successes).toBeGreaterThanOrEqual(succeededSteps);
    socket.disconnect();
  }, 150_000);

  it('should stream runs of the workers as SSE, ?wait=true and /v1 on an instance without Socket.IO', async () => {
    // No Socket.IO on this instance at all.
    expect((await fetch(`${apiC.url}/socket.io/?EIO=4&transport=polling`)).status).toBe(404);
    const { body: session } = await call<{ id: string }>(apiA.url, '/api/sessions', { body: { title: 'no sockets' } });

    // SSE of a run started on another instance and executed by a worker.
    const { body: started } = await call<{ runId: string }>(apiA.url, '/api/orchestrate', {
      body: { sessionId: session.id, prompt: 'Explain how a hash map works', strategy: 'route' },
    });
    const sse = await fetch(`${apiC.url}/api/orchestrate/runs/${started.runId}/events`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'text/event-stream' },
      signal: AbortSignal.timeout(30_000),
    });
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    const streamed = (await sse.text())
      .split('\n\n')
      .filter((block) => block.startsWith('id:'))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Seen);
    const { body: stored } = await call<Seen[]>(apiA.url, `/api/orchestrate/runs/${started.runId}/events`);
    expect(streamed.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(streamed.at(-1)?.type).toBe('run.completed');

    // ?wait=true answers with the run once a worker ends it.
    const waited = await call<{ status: string; answer: string | null }>(apiC.url, '/api/orchestrate?wait=true', {
      body: { sessionId: session.id, prompt: 'What is the capital of Peru?', strategy: 'route' },
    });
    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe('succeeded');
    expect(waited.body.answer).toEqual(expect.any(String));

    // /v1 streaming of an orchestration: chunks, then [DONE].
    const v1 = await fetch(`${apiC.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'orchestratex/route',
        stream: true,
        messages: [{ role: 'user', content: 'What is the capital of Peru?' }],
      }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(v1.status).toBe(200);
    const lines = (await v1.text()).split('\n').filter((line) => line.startsWith('data: '));
    expect(lines.at(-1)).toBe('data: [DONE]');
    const chunks = lines
      .slice(0, -1)
      .map((line) => JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('').length).toBeGreaterThan(0);
  }, 90_000);

  it('should answer analytics from the database on every instance: the same on each, and what the workers recorded', async () => {
    // ANALYTICS_CACHE is on (the default) and ignored here: no process holds a copy that could drift.
    // Runs of a session of its own, made after the first test's SIGKILL: every call of theirs is
    // recorded by a living worker. (A worker killed between writing a batch's rollups and its raw
    // records leaves counts without records: no store of two collections is atomic here.)
    const { body: session } = await call<{ id: string }>(apiA.url, '/api/sessions', { body: { title: 'analytics' } });
    for (let i = 0; i < 3; i += 1) {
      const { status } = await call(apiA.url, '/api/orchestrate?wait=true', {
        body: { sessionId: session.id, prompt: `Summarise topic number ${i}`, strategy: 'route' },
      });
      expect(status).toBe(200);
    }
    const mongo = await MongoClient.connect(env.MONGODB_URI as string);
    try {
      const records = mongo.db().collection<{ costUsd: number | null; sessionId: ObjectId }>('usage');
      const paths = ['/api/analytics/costs', '/api/analytics/usage?groupBy=model', '/api/analytics/models'];
      const read = (base: string) => Promise.all(paths.map(async (path) => (await call(base, path)).body));
      const ofSession = async (base: string) =>
        (await call<{ calls: number; costUsd: number }>(base, `/api/analytics/sessions/${session.id}`)).body;
      let last: unknown = null;
      const [a, b, fromA] = await until(
        'both instances to count every stored call of the session, and to answer alike',
        async () => {
          const stored = await records.find({ sessionId: new ObjectId(session.id) }).toArray();
          const [globalA, globalB, sessionA, sessionB] = await Promise.all([
            read(apiA.url),
            read(apiB.url),
            ofSession(apiA.url),
            ofSession(apiB.url),
          ]);
          last = { stored: stored.length, a: sessionA.calls, b: sessionB.calls };
          const counted = stored.length > 0 && sessionA.calls === stored.length && sessionB.calls === stored.length;
          return counted && JSON.stringify(globalA) === JSON.stringify(globalB)
            ? [globalA, globalB, sessionA]
            : undefined;
        },
        10_000,
        () => last,
      );
      expect(b).toEqual(a);
      const stored = await records.find({ sessionId: new ObjectId(session.id) }).toArray();
      expect(fromA.costUsd).toBeCloseTo(
        stored.reduce((sum, r) => sum + (r.costUsd ?? 0), 0),
        9,
      );
    } finally {
      await mongo.close();
    }
  });

  it('should stop a run on a worker when it is cancelled through the other instance', async () => {
    const { body: session } = await call<{ id: string }>(apiA.url, '/api/sessions', { body: { title: 'cancel' } });
    const { socket, seen } = await watch(apiB.url, { sessionId: session.id });
    const { body: run } = await call<{ runId: string }>(apiA.url, '/api/orchestrate', {
      body: {
        sessionId: session.id,
        prompt: 'Explain how a hash map works',
        strategy: 'improve',
        qualityThreshold: 10,
      },
    });
    await until(
      'the first step',
      () => Promise.resolve(seen.some((e) => e.type === 'step.started') ? true : undefined),
      20_000,
    );
    const { status, body } = await call<{ status: string }>(apiB.url, `/api/orchestrate/runs/${run.runId}/cancel`, {
      method: 'POST',
    });
    expect(status).toBe(200);
    expect(body.status).toBe('cancelled');
    expect(seen.filter((e) => e.runId === run.runId).at(-1)?.type).toBe('run.cancelled');
    socket.disconnect();
  }, 60_000);

  it('should refuse on one instance a key revoked on the other', async () => {
    const { body: created } = await call<{ id: string; key: string }>(apiA.url, '/api/keys', {
      body: { name: 'revoked', role: 'user' },
    });
    expect((await call(apiB.url, '/api/sessions', { key: created.key })).status).toBe(200);
    expect((await call(apiA.url, `/api/keys/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    await until(
      'the revocation on the other instance',
      async () => ((await call(apiB.url, '/api/sessions', { key: created.key })).status === 401 ? true : undefined),
      3000,
    );
  });

  it('should hold a key to one budget and one rpm across both instances (the counters are in Redis)', async () => {
    const chat = (base: string, key: string) =>
      call<{ error?: { code: string } }>(base, '/v1/chat/completions', {
        key,
        body: { model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 24 },
      });
    const keyWith = async (limits: Record<string, unknown>) =>
      (await call<{ id: string; key: string }>(apiA.url, '/api/keys', { body: { name: 'limited', limits } })).body;
    const spendOf = async (base: string, id: string) =>
      (await call<{ spend: { usdToday: number; usdHeld: number } }>(base, `/api/keys/${id}`)).body.spend;

    const probe = await keyWith({ rpm: 1000 });
    expect((await chat(apiA.url, probe.key)).status).toBe(200);
    const one = (await spendOf(apiB.url, probe.id)).usdToday;
    expect(one).toBeGreaterThan(0);

    const budgeted = await keyWith({ usdPerDay: one * 5 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => chat(i % 2 === 0 ? apiA.url : apiB.url, budgeted.key)),
    );
    const ok = results.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(ok).toBeLessThanOrEqual(5);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(429);
      expect(r.body.error?.code).toBe('usdPerDay_exceeded');
    }
    const spend = await spendOf(apiB.url, budgeted.id);
    expect(spend.usdToday).toBeLessThanOrEqual(one * 5);
    expect(spend.usdToday).toBeCloseTo(one * ok, 12);
    expect(spend.usdHeld).toBe(0);

    const rated = await keyWith({ rpm: 10 });
    for (let i = 0; i < 10; i++) expect((await chat(i % 2 === 0 ? apiA.url : apiB.url, rated.key)).status).toBe(200);
    expect((await chat(apiA.url, rated.key)).status).toBe(429);
    expect((await chat(apiB.url, rated.key)).status).toBe(429);
    // Lifted on one instance, lifted on the other at once.
    expect(
      (await call(apiA.url, `/api/keys/${rated.id}`, { method: 'PATCH', body: { limits: { rpm: null } } })).status,
    ).toBe(200);
    await until(
      'the lifted limit on the other instance',
      async () => ((await chat(apiB.url, rated.key)).status === 200 ? true : undefined),
      3000,
    );
  });

  it('should make one upstream call for one Idempotency-Key sent at once to both instances; the other gets 409', async () => {
    const upstream = () => Object.values(sim.getStats().requests).reduce((a, b) => a + b, 0);
    const before = upstream();
    const send = (base: string) =>
      call<{ error?: { code?: string } }>(base, '/v1/chat/completions', {
        headers: { 'idempotency-key': 'same-key-two-instances' },
        body: { model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 24 },
      });
    const answers = await Promise.all([send(apiA.url), send(apiB.url)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(upstream() - before).toBe(1);
    // Once answered, the same key on either instance gets the kept answer: still one call.
    const again = await send(apiB.url);
    expect(again.status).toBe(200);
    expect(upstream() - before).toBe(1);
  });

  it('should give a retried orchestratex/* call with the same Idempotency-Key the first one run: one thread, one run', async () => {
    // An instance of its own, SIGKILLed while it waits for the run it started.
    const doomed = await NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'api-doomed' });
    const { body: session } = await call<{ id: string }>(apiA.url, '/api/sessions', { body: { title: 'retried' } });
    const send = (base: string) =>
      call<{ choices?: { message: { content: string } }[]; error?: { code?: string } }>(base, '/v1/chat/completions', {
        headers: { 'idempotency-key': 'orchestrate-after-a-crash', 'x-orchestratex-session': session.id },
        body: {
          model: 'orchestratex/improve',
          messages: [
            { role: 'user', content: 'Write a function that reverses a list' },
            { role: 'assistant', content: 'In which language?' },
            { role: 'user', content: 'Python, please' },
          ],
        },
      });
    const first = send(doomed.url);
    const runs = () =>
      call<{ items: { id: string; status: string }[] }>(apiA.url, `/api/orchestrate/runs?sessionId=${session.id}`);
    await until('the run to start', async () => ((await runs()).body.items.length > 0 ? true : undefined), 20_000);
    await doomed.kill('SIGKILL');
    await first.catch(() => undefined); // its connection is cut

    // The dead instance's lease lapses within 30 s; until then a retry is told to wait.
    let retried = await send(apiB.url);
    const refusals: number[] = [];
    while (retried.status === 409) {
      refusals.push(retried.status);
      await new Promise((r) => setTimeout(r, 1000));
      retried = await send(apiB.url);
    }
    expect(refusals.length).toBeGreaterThan(0);
    expect(retried.status).toBe(200);
    expect(retried.body.choices?.[0]?.message.content).toEqual(expect.any(String));
    const { body: threads } = await call<{ items: { messageCount: number }[] }>(
      apiA.url,
      `/api/threads?sessionId=${session.id}`,
    );
    expect(threads.items).toHaveLength(1);
    // The conversation's three messages, each once (the run adds its answer after them).
    expect(threads.items[0].messageCount).toBeLessThanOrEqual(4);
    expect(threads.items[0].messageCount).toBeGreaterThanOrEqual(3);
    const { body: all } = await runs();
    expect(all.items).toHaveLength(1);
    expect(all.items[0].status).toBe('succeeded');
  }, 90_000);
});
