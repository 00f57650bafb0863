import { MongoClient, ObjectId } from 'mongodb';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { FINAL_EVENTS, type RunEventType } from '../src/orchestration/events/run-events.js';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY } from './support/app.js';
import { buildDist, clusterEnvironment, NodeProcess, RedisProcess } from './support/cluster.js';
import { describeWithFerretDb, OwnFerretDb } from './support/ferretdb.js';
import { call, until } from './support/http.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ENDED = ['succeeded', 'budget_exceeded', 'failed', 'cancelled', 'interrupted'];
/** The final event each end status is announced with. */
const FINAL_OF: Record<string, RunEventType> = {
  succeeded: 'run.completed',
  budget_exceeded: 'run.completed',
  failed: 'run.failed',
  cancelled: 'run.cancelled',
  interrupted: 'run.interrupted',
};

/**
 * "Hardening 2" in the distributed mode, as the attacks were made: two API instances that do not
 * run jobs, two workers, a real Redis and a FerretDB of this spec's own (killed mid-run below).
 */
describeWithFerretDb('Hardening in a cluster', () => {
  let redis: RedisProcess;
  let db: OwnFerretDb;
  let sim: UpstreamSimulator;
  let apiA: NodeProcess;
  let apiB: NodeProcess;
  let workers: NodeProcess[] = [];
  let mongo: MongoClient;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    buildDist();
    [redis, db] = await Promise.all([RedisProcess.start(), OwnFerretDb.start('hardening-cluster')]);
    sim = new UpstreamSimulator({ ttftMs: 40, tokenMs: 6, outputTokens: 40 });
    const env = clusterEnvironment(await sim.listen(0), db.uri, redis.url);
    [apiA, apiB, ...workers] = await Promise.all([
      NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'api-a' }),
      NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'api-b' }),
      NodeProcess.worker({ ...env, WRITER_ID: 'worker-1' }),
      NodeProcess.worker({ ...env, WRITER_ID: 'worker-2' }),
    ]);
    mongo = await MongoClient.connect(db.uri);
  }, 240_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await mongo?.close();
    await Promise.all([apiA, apiB, ...workers].filter(Boolean).map((p) => p.kill('SIGKILL')));
    await sim?.close();
    await redis?.stop();
    await db?.close();
  });

  const session = async (title: string) =>
    (await call<{ id: string }>(apiA.url, '/api/sessions', { body: { title } })).body.id;
  const start = async (body: Json) => {
    const { status, body: run } = await call<{ runId: string }>(apiA.url, '/api/orchestrate', { body });
    expect(status).toBe(202);
    return run.runId;
  };
  const ended = (runId: string, ms: number) =>
    until(
      `run ${runId} to end`,
      async () => {
        const { status, body } = await call<Json>(apiB.url, `/api/orchestrate/runs/${runId}`);
        return status === 200 && ENDED.includes(body.status as string) ? body : undefined;
      },
      ms,
    );
  /** The run's stored events, once its final one is stored. */
  const storedEvents = (runId: string) =>
    until(
      `the final event of run ${runId}`,
      async () => {
        const { body } = await call<{ seq: number; type: RunEventType }[]>(
          apiA.url,
          `/api/orchestrate/runs/${runId}/events?limit=1000`,
        );
        return Array.isArray(body) && FINAL_EVENTS.includes(body.at(-1)?.type as RunEventType) ? body : undefined;
      },
      20_000,
    );

  it('should run a prompt of 99,000 × "a" once: no takeover, one usage record per call', async () => {
    sim.reset();
    const runId = await start({
      sessionId: await session('long prompt'),
      prompt: 'a'.repeat(99_000),
      maxTokens: 16,
      strategy: 'improve',
    });
    const run = await ended(runId, 60_000);
    expect(run.status).toBe('succeeded');
    const events = await storedEvents(runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'run.resumed')).toEqual([]);
    expect(events.filter((e) => FINAL_EVENTS.includes(e.type)).map((e) => e.type)).toEqual(['run.completed']);

    // Every call the simulator answered is one usage record, none twice (usage is written in batches).
    const calls = (run.totals as { calls: number }).calls;
    const upstream = Object.values(sim.getStats().requests).reduce((a, b) => a + b, 0);
    expect(upstream).toBe(calls);
    const records = await until(
      'the run usage records',
      async () => {
        const found = await mongo
          .db()
          .collection('usage')
          .countDocuments({ runId: new ObjectId(runId) });
        return found >= calls ? found : undefined;
      },
      10_000,
    );
    expect(records).toBe(calls);
  }, 90_000);

  it('should give 50 sockets subscribing to a running run on the other instance every event exactly once', async () => {
    const runId = await start({
      sessionId: await session('late subscribers'),
      prompt: 'Explain how a hash map works, with an example',
      strategy: 'improve',
      maxIterations: 3,
      qualityThreshold: 10,
    });
    const seen = new Map<number, number[]>();
    const acks: Json[] = [];
    const subscribeAt = async (i: number, delayMs: number) => {
      await new Promise((r) => setTimeout(r, delayMs));
      const socket = io(`${apiB.url}/orchestration`, { auth: { token: ADMIN_KEY }, transports: ['websocket'] });
      sockets.push(socket);
      const got: number[] = [];
      seen.set(i, got);
      socket.onAny((_type: string, event: { runId: string; seq: number }) => {
        if (event.runId === runId) got.push(event.seq);
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      acks.push((await socket.emitWithAck('subscribe', { runId, afterSeq: 0 })) as Json);
    };
    const subscribing = Array.from({ length: 50 }, (_, i) => subscribeAt(i, Math.random() * 2500));
    await Promise.all(subscribing);
    await ended(runId, 60_000);
    const events = await storedEvents(runId);
    const all = events.map((e) => e.seq);
    expect(acks.every((ack) => ack.ok === true)).toBe(true);
    const complete = await until(
      'every socket to hold the whole run',
      () => Promise.resolve([...seen.values()].every((got) => got.length >= all.length) ? true : undefined),
      10_000,
      () => [...seen.values()].map((got) => got.length),
    );
    expect(complete).toBe(true);
    for (const got of seen.values()) expect(got).toEqual(all);
  }, 90_000);

  it('should end every run in a state its final event agrees with after the database is killed mid-run', async () => {
    const sessionId = await session('database outage');
    const runIds: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      runIds.push(
        await start({
          sessionId,
          prompt: `Write a function that sorts list ${i}`,
          strategy: 'improve',
          maxIterations: 3,
          qualityThreshold: 10,
        }),
      );
    }
    await until(
      'runs under way',
      async () =>
        (await call<Json>(apiA.url, `/api/orchestrate/runs/${runIds[0]}`)).body.steps?.length > 0 ? true : undefined,
      30_000,
    );
    await db.kill();
    // The workers say they are unhealthy while their database does not answer.
    await until(
      'a worker to report its database',
      async () => ((await fetch(`${workers[0].url}/health`)).status === 503 ? true : undefined),
      10_000,
    );
    await new Promise((r) => setTimeout(r, 10_000));
    await db.restart();
    // The driver reconnects with a backoff: on a loaded machine this has taken longer than 20 s.
    await until(
      'the workers healthy again',
      async () => ((await fetch(`${workers[0].url}/health`)).ok ? true : undefined),
      60_000,
    );

    const runs = await Promise.all(runIds.map((id) => ended(id, 120_000)));
    for (const run of runs) {
      const events = await storedEvents(run.id as string);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => FINAL_EVENTS.includes(e.type)).map((e) => e.type)).toEqual([
        FINAL_OF[run.status as string],
      ]);
    }
  }, 240_000);

  it("should keep a job's lock while the worker's main thread is stalled past it", async () => {
    // The built keeper (the thread runs from dist/), on this spec's Redis, with a 1 s lock.
    const { LockKeeper } = (await import(join(process.cwd(), 'dist/orchestration/jobs/lock-keeper.js'))) as {
      LockKeeper: new (
        url: string,
        lockMs: number,
        stalledKey: string,
      ) => {
        hold(key: string, token: string, jobId: string): void;
        close(): Promise<void>;
      };
    };
    const keeper = new LockKeeper(redis.url, 1000, 'bull:test:stalled');
    const lock = 'bull:test:job-1:lock';
    const redisCli = (...args: string[]) =>
      spawnSync('redis-cli', ['-u', redis.url, ...args])
        .stdout.toString()
        .trim();
    redisCli('SET', lock, 'token-1', 'PX', '1000');
    keeper.hold(lock, 'token-1', 'job-1');
    await new Promise((r) => setTimeout(r, 200)); // the thread has started
    // The main thread stalls for three lock lengths (as the tokenizer once did).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
    expect(redisCli('GET', lock)).toBe('token-1');
    await keeper.close();
    // Without its keeper the lock lapses.
    await new Promise((r) => setTimeout(r, 1500));
    expect(redisCli('GET', lock)).toBe('');
  });

  it('should answer 503 with Retry-After at once while Redis is down, and send nothing upstream later', async () => {
    const { body: created } = await call<{ key: string }>(apiA.url, '/api/keys', {
      body: { name: 'limited', limits: { rpm: 1000, usdTotal: 10 } },
    });
    const chat = () =>
      call<Json>(apiA.url, '/v1/chat/completions', {
        key: created.key,
        body: { model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 8 },
      });
    expect((await chat()).status).toBe(200);
    const upstream = () => Object.values(sim.getStats().requests).reduce((a, b) => a + b, 0);
    // A user's socket on the other instance, for a revoke made while Redis is away.
    const { body: user } = await call<{ id: string; key: string }>(apiA.url, '/api/keys', {
      body: { name: 'revoked' },
    });
    const socket = io(`${apiB.url}/orchestration`, { auth: { token: user.key }, transports: ['websocket'] });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const cut = new Promise<number>((resolve) => socket.once('disconnect', () => resolve(Date.now())));

    await redis.kill();
    const before = upstream();
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const at = Date.now();
        const response = await fetch(`${apiA.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Hi' }] }),
          signal: AbortSignal.timeout(8000),
        });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), ms: Date.now() - at };
      }),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    // The revoke is answered at once, and the other instance finds it within its 10 s sweep.
    const revoke = await fetch(`${apiA.url}/api/keys/${user.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: AbortSignal.timeout(5000), // a revoke that waits for Redis fails here
    });
    expect(revoke.status).toBe(204);
    await Promise.race([cut, new Promise((_, fail) => setTimeout(() => fail(new Error('socket still open')), 15_000))]);
    socket.disconnect();

    await redis.restart();
    const back = await until(
      'limits checked again',
      async () => ((await chat()).status === 200 ? true : undefined),
      30_000,
    );
    expect(back).toBe(true);
    // Only the calls made since Redis came back reached the provider: none of the refused ones.
    await new Promise((r) => setTimeout(r, 1000));
    expect(upstream() - before).toBe(1);
  }, 90_000);
});
