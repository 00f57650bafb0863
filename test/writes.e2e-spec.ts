import { UsageRecorder } from '../src/analytics/usage-recorder.js';
import { simulatorProviderEnvironment } from '../src/config/providers.config.js';
import { UpstreamSimulator } from '../simulator/simulator.js';
import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';
import { describeWithFerretDb, OwnFerretDb } from './support/ferretdb.js';
import { auth, createSession, createThread, createUserKey } from './support/factories.js';
import { startSimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every message of a thread, oldest first, through the API. */
async function allMessages(t: TestApp, key: string, threadId: string): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const res = await t
      .http()
      .get(`/api/threads/${threadId}/messages?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      .set(auth(key))
      .expect(200);
    items.push(...(res.body.items as Json[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor !== null);
  return items;
}

/** Each message's parent is the one before it: one branch, in the order they were stored. */
function expectOneBranch(messages: Json[]): void {
  expect(messages[0].parentId).toBeNull();
  for (let i = 1; i < messages.length; i += 1) expect(messages[i].parentId).toBe(messages[i - 1].id);
}

describe('writes to one thread', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startApp();
    key = (await createUserKey(t)).key;
  });
  afterAll(() => t.close());

  it('should count 100 concurrent posts exactly and chain them into one branch in arrival order', async () => {
    const session = await createSession(t, key);
    const thread = await createThread(t, key, session.id);
    const posted = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        t
          .http()
          .post(`/api/threads/${thread.id}/messages`)
          .set(auth(key))
          .send({ role: 'user', content: `message ${i}` }),
      ),
    );
    expect(posted.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 201));

    const stored = await t.http().get(`/api/threads/${thread.id}`).set(auth(key)).expect(200);
    expect(stored.body.messageCount).toBe(100);
    const messages = await allMessages(t, key, thread.id);
    expect(messages).toHaveLength(100);
    expect(new Set(messages.map((m) => m.content)).size).toBe(100);
    expectOneBranch(messages);
    // The branch view of the newest message is the whole thread.
    const branch = await t
      .http()
      .get(`/api/threads/${thread.id}/messages?limit=100&branch=${messages[99].id}`)
      .set(auth(key))
      .expect(200);
    expect(branch.body.items.map((m: Json) => m.id)).toEqual(messages.map((m) => m.id));
  });

  it('should answer 40 posts and 10 renames of one thread sent at once, keeping the exact count and a title sent', async () => {
    const session = await createSession(t, key);
    const thread = await createThread(t, key, session.id);
    const titles = Array.from({ length: 10 }, (_, i) => `renamed ${i}`);
    const answers = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) =>
        t
          .http()
          .post(`/api/threads/${thread.id}/messages`)
          .set(auth(key))
          .send({ role: 'user', content: `message ${i}` }),
      ),
      ...titles.map((title) => t.http().patch(`/api/threads/${thread.id}`).set(auth(key)).send({ title })),
    ]);
    expect(answers.slice(0, 40).map((r) => r.status)).toEqual(Array.from({ length: 40 }, () => 201));
    expect(answers.slice(40).map((r) => r.status)).toEqual(titles.map(() => 200));

    const stored = await t.http().get(`/api/threads/${thread.id}`).set(auth(key)).expect(200);
    expect(stored.body.messageCount).toBe(40);
    expect(titles).toContain(stored.body.title);
    expect(await allMessages(t, key, thread.id)).toHaveLength(40);
  });
});

describe('Idempotency-Key', () => {
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

  const totalRequests = () => Object.values(env.sim.getStats().requests).reduce((a, b) => a + b, 0);

  const post = (path: string, body: object, idempotencyKey?: string) => {
    const req = env.t.http().post(path).set(auth(key));
    return (idempotencyKey === undefined ? req : req.set('idempotency-key', idempotencyKey)).send(body);
  };

  it('should give the first answer again for the same key and body, and create the object once', async () => {
    const first = await post('/api/sessions', { title: 'once only' }, 'create-session-1').expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('/api/sessions', { title: 'once only' }, 'create-session-1').expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await env.t.db.collection('sessions').countDocuments({ title: 'once only' })).toBe(1);

    // The body's key order does not make it another request.
    const thread = await post('/api/threads', { sessionId, title: 't' }, 'thread-1').expect(201);
    const sameThread = await post('/api/threads', { title: 't', sessionId }, 'thread-1').expect(201);
    expect(sameThread.body.id).toBe(thread.body.id);
  });

  it('should refuse the same key with another body or on another route with 422, and a malformed key with 400', async () => {
    await post('/api/sessions', { title: 'first use' }, 'reused-key').expect(201);
    const other = await post('/api/sessions', { title: 'second use' }, 'reused-key').expect(422);
    expect(other.body.message).toBe(
      'This Idempotency-Key was used with another request body in the last 24 h; use a new key for a new request',
    );
    const elsewhere = await post('/api/threads', { sessionId, title: 'x' }, 'reused-key').expect(422);
    expect(elsewhere.body.message).toContain('was used for POST /api/sessions');
    expect(await env.t.db.collection('sessions').countDocuments({ title: 'second use' })).toBe(0);

    const bad = await post('/api/sessions', { title: 'x' }, 'x'.repeat(256)).expect(400);
    expect(bad.body.message).toBe('Idempotency-Key must be 1 to 255 visible ASCII characters');
  });

  it('should keep keys apart per owner', async () => {
    const other = await createUserKey(env.t, 'other owner');
    const mine = await post('/api/sessions', { title: 'mine' }, 'shared-name').expect(201);
    const theirs = await env.t
      .http()
      .post('/api/sessions')
      .set(auth(other.key))
      .set('idempotency-key', 'shared-name')
      .send({ title: 'theirs' })
      .expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.title).toBe('theirs');
  });

  it('should let a key be used again after its request failed, since nothing was stored', async () => {
    const missing = '0123456789abcdef01234567';
    await post('/api/threads', { sessionId: missing, title: 'x' }, 'failed-first').expect(404);
    const ok = await post('/api/threads', { sessionId, title: 'x' }, 'failed-first').expect(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
  });

  it('should answer concurrent requests with one key by creating one message', async () => {
    const thread = await createThread(env.t, key, sessionId);
    const body = { role: 'user', content: 'sent five times at once' };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post(`/api/threads/${thread.id}/messages`, body, 'burst-1')),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a.status).toBe(409);
      expect(a.headers['retry-after']).toBe('1');
    }
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    const stored = await env.t.http().get(`/api/threads/${thread.id}`).set(auth(key)).expect(200);
    expect(stored.body.messageCount).toBe(1);
  });

  it('should start one orchestration run for a retried POST /api/orchestrate', async () => {
    const body = { sessionId, prompt: 'Say hello', strategy: 'route' };
    const first = await post('/api/orchestrate', body, 'run-1').expect(202);
    const again = await post('/api/orchestrate', body, 'run-1').expect(202);
    expect(again.body).toEqual(first.body);
    expect(await env.t.db.collection('runs').countDocuments({ prompt: 'Say hello' })).toBe(1);
    const streamed = await env.t
      .http()
      .post('/api/orchestrate')
      .set(auth(key))
      .set('accept', 'text/event-stream')
      .set('idempotency-key', 'run-sse')
      .send(body)
      .expect(400);
    expect(streamed.body.message).toContain('cannot be used with a streamed answer');
  });

  it('should answer a retried /v1 call from the stored answer, without calling the model again', async () => {
    const body = { model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'hi' }] };
    const first = await post('/v1/chat/completions', body, 'v1-1').expect(200);
    const calls = totalRequests();
    const again = await post('/v1/chat/completions', body, 'v1-1').expect(200);
    expect(again.body).toEqual(first.body);
    expect(totalRequests()).toBe(calls);
    const changed = await post('/v1/chat/completions', { ...body, temperature: 0.5 }, 'v1-1').expect(422);
    expect(changed.body.error.message).toContain('another request body');
  });
});

describeWithFerretDb('writes during a database outage', () => {
  it('should store each message once when every post answered 503 is retried with its Idempotency-Key', async () => {
    const db = await OwnFerretDb.start('outage');
    const t = await startApp({ MONGODB_URI: db.uri });
    try {
      const session = await createSession(t, ADMIN_KEY);
      const thread = await createThread(t, ADMIN_KEY, session.id);
      const send = (i: number) =>
        t
          .http()
          .post(`/api/threads/${thread.id}/messages`)
          .set(auth(ADMIN_KEY))
          .set('idempotency-key', `outage-${i}`)
          .send({ role: 'user', content: `message ${i}` });

      // A burst of posts, and the database killed in the middle of it.
      const burst = Array.from({ length: 40 }, (_, i) => send(i).then((r) => r.status));
      await new Promise((r) => setTimeout(r, 15));
      await db.kill();
      const statuses = await Promise.all(burst);
      expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
      const down = await send(40);
      expect(down.status).toBe(503);

      await db.restart();
      // Every request not answered 201 is sent again with its key until it is.
      const pending = new Set(statuses.flatMap((s, i) => (s === 201 ? [] : [i])).concat(40));
      for (let round = 0; pending.size > 0 && round < 100; round += 1) {
        for (const i of [...pending]) if ((await send(i)).status === 201) pending.delete(i);
        if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(pending.size).toBe(0);

      const messages = await allMessages(t, ADMIN_KEY, thread.id);
      expect(messages.map((m) => m.content).sort()).toEqual(
        Array.from({ length: 41 }, (_, i) => `message ${i}`).sort(),
      );
      expectOneBranch(messages);
      const stored = await t.http().get(`/api/threads/${thread.id}`).set(auth(ADMIN_KEY)).expect(200);
      expect(stored.body.messageCount).toBe(41);
    } finally {
      await t.close();
      await db.close();
    }
  });
});

describeWithFerretDb('usage records while the database is down', () => {
  it('should hold at most USAGE_BUFFER_MAX raw records, count the dropped ones, and keep every call in the rollups', async () => {
    const db = await OwnFerretDb.start('usage-cap');
    const sim = new UpstreamSimulator();
    const simUrl = await sim.listen(0);
    const t = await startApp({
      ...simulatorProviderEnvironment(simUrl),
      MONGODB_URI: db.uri,
      USAGE_BUFFER_MAX: '100',
      USAGE_FLUSH_INTERVAL_MS: '200',
    });
    try {
      const call = () =>
        t
          .http()
          .post('/v1/chat/completions')
          .set(auth(ADMIN_KEY))
          .send({ model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'hi' }] });
      await call().expect(200); // the catalogue is in memory from here on
      await t.app.get(UsageRecorder).flush();
      await db.kill();
      // The gateway still answers from memory; the records wait in the buffer, bounded.
      for (let i = 0; i < 130; i += 1) await call().expect(200);
      const droppedNow = async () =>
        Number(
          /^orchestratex_usage_dropped_records (\d+)$/m.exec(
            (await t.http().get('/metrics').set(auth(ADMIN_KEY)).expect(200)).text,
          )?.[1],
        );
      // At most 100 wait, a batch in a flush's hand counted: of the 130, the oldest 30 were dropped.
      expect(await droppedNow()).toBe(30);
      expect(t.logs.some((l) => l.includes('Usage buffer full (100)'))).toBe(true);

      await db.restart();
      const recorder = t.app.get(UsageRecorder);
      const stored = () =>
        t.db
          .collection('usage')
          .countDocuments()
          .catch(() => -1);
      for (let i = 0; i < 100 && (await stored()) + recorder.dropped < 131; i += 1) {
        await recorder.flush().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
      // Every record is stored or counted as dropped: none is lost silently.
      expect((await stored()) + (await droppedNow())).toBe(131);
      // The rollups kept every call.
      const usage = (await t.http().get('/api/analytics/usage?groupBy=model').set(auth(ADMIN_KEY)).expect(200))
        .body as { groups: { key: string; calls: number }[] };
      expect(usage.groups.find((g) => g.key === 'openai/gpt-5.4-mini')?.calls).toBe(131);
    } finally {
      await t.close();
      await sim.close();
      await db.close();
    }
  });
});
