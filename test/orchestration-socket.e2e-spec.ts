import { io, type Socket } from 'socket.io-client';
import { RUN_EVENT_TYPES } from '../src/orchestration/events/asyncapi.js';
import { ADMIN_KEY } from './support/app.js';
import { auth, createSession, createUserKey } from './support/factories.js';
import { startSimulatedApp } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('live progress over Socket.IO (/orchestration)', () => {
  let env: Awaited<ReturnType<typeof startSimulatedApp>>;
  let url: string;
  let key: string;
  let sessionId: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    env = await startSimulatedApp();
    await env.t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `${await env.t.app.getUrl()}/orchestration`.replace('[::1]', '127.0.0.1');
    key = (await createUserKey(env.t)).key;
    sessionId = (await createSession(env.t, key)).id;
  });
  afterEach(() => {
    env.sim.reset();
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(() => env.close());

  /** A connected client that records every event it receives. */
  async function client(token: string): Promise<{ socket: Socket; events: Json[] }> {
    const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    const events: Json[] = [];
    socket.onAny((_name: string, payload: Json) => events.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return { socket, events };
  }

  const subscribe = (socket: Socket, body: Json): Promise<Json> =>
    socket.timeout(5000).emitWithAck('subscribe', body) as Promise<Json>;

  const startRun = async (body: Json = {}): Promise<Json> =>
    (
      await env.t
        .http()
        .post('/api/orchestrate')
        .set(auth(key))
        .send({ sessionId, prompt: 'Explain recursion with an example in Python', ...body })
        .expect(202)
    ).body as Json;

  /** Waits until the run's final event is stored: every event it had went out before that. */
  async function runEnded(runId: string): Promise<void> {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const events = (await env.t.http().get(`/api/orchestrate/runs/${runId}/events`).set(auth(key)).expect(200))
        .body as Json[];
      if (['run.completed', 'run.failed'].includes(events.at(-1)?.type as string)) return;
    }
    throw new Error(`run ${runId} did not end within 10 s`);
  }

  async function until(events: Json[], type: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!events.some((e) => e.type === type)) {
      if (Date.now() > deadline)
        throw new Error(`no ${type} within ${ms} ms; got ${events.map((e) => e.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('should refuse a handshake without a valid key', async () => {
    await expect(client('orx_not_a_real_key')).rejects.toThrow(/unauthorized: the API key is unknown or revoked/);
    await expect(client('')).rejects.toThrow(/unauthorized: send the API key as auth.token/);
  });

  it('should deliver a complete, gapless, ordered sequence ending in run.completed', async () => {
    env.sim.configure('*', { tokenMs: 2, outputTokens: 40 });
    const { socket, events } = await client(key);
    const started = await startRun({
      strategy: 'improve',
      models: ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'],
      maxIterations: 2,
    });
    const ack = await subscribe(socket, { runId: started.runId, afterSeq: 0 });
    expect(ack).toMatchObject({ ok: true });
    await until(events, 'run.completed');

    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.runId === started.runId && typeof e.at === 'string')).toBe(true);
    const types = events.map((e) => e.type as string);
    expect(types.slice(0, 4)).toEqual(['run.started', 'run.domain_detected', 'run.model_selected', 'step.started']);
    expect(types.at(-1)).toBe('run.completed');
    expect(types).toContain('step.delta');
    expect(types).toContain('run.iteration_completed');
    for (const type of types) expect(RUN_EVENT_TYPES).toContain(type);
    // Deltas of a step add up to its text.
    const completed = events.filter((e) => e.type === 'step.completed');
    const first = completed[0].data.step as Json;
    const text = events
      .filter((e) => e.type === 'step.delta' && e.data.stepId === first.stepId)
      .map((e) => e.data.text)
      .join('');
    expect(text).toBe(first.text);
    // The same sequence is stored.
    const stored = (await env.t.http().get(`/api/orchestrate/runs/${started.runId}/events`).set(auth(key)).expect(200))
      .body as Json[];
    expect(stored).toEqual(events);
  });

  it('should replay exactly what a client missed when it reconnects with afterSeq', async () => {
    env.sim.configure('*', { tokenMs: 15, outputTokens: 60 });
    const first = await client(key);
    const started = await startRun({ strategy: 'route' });
    await subscribe(first.socket, { runId: started.runId, afterSeq: 0 });
    await until(first.events, 'step.delta');
    first.socket.disconnect();
    const seen = [...first.events];
    const lastSeq = seen.at(-1)!.seq as number;

    await new Promise((r) => setTimeout(r, 200)); // events go on while it is away
    const second = await client(key);
    const ack = await subscribe(second.socket, { runId: started.runId, afterSeq: lastSeq });
    expect(ack.ok).toBe(true);
    expect(ack.replayed).toBeGreaterThan(0);
    await until(second.events, 'run.completed');
    const all = [...seen, ...second.events];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(second.events[0].seq).toBe(lastSeq + 1);
  });

  it("should refuse a second key on the first key's run exactly like a missing run", async () => {
    const started = await startRun({ strategy: 'route' });
    const other = await createUserKey(env.t);
    const { socket, events } = await client(other.key);
    const foreign = await subscribe(socket, { runId: started.runId, afterSeq: 0 });
    expect(foreign).toEqual({ ok: false, error: `run ${started.runId} not found` });
    const missing = await subscribe(socket, { runId: '0123456789abcdef01234567' });
    expect(missing).toEqual({ ok: false, error: 'run 0123456789abcdef01234567 not found' });
    expect(await subscribe(socket, { sessionId })).toEqual({ ok: false, error: `session ${sessionId} not found` });
    await runEnded(started.runId as string);
    expect(events).toEqual([]);
  });

  it('should answer a malformed subscription with the reason', async () => {
    const { socket } = await client(key);
    expect(await subscribe(socket, { runId: 'x' })).toEqual({
      ok: false,
      error: 'runId must be a 24-character hexadecimal id',
    });
    expect(
      await subscribe(socket, { runId: '0123456789abcdef01234567', threadId: '0123456789abcdef01234567' }),
    ).toEqual({
      ok: false,
      error: 'give exactly one of runId, threadId, sessionId',
    });
    expect(await subscribe(socket, { sessionId, afterSeq: -1 })).toMatchObject({ ok: false, error: /afterSeq/ });
  });

  it("should send a session's runs to a client subscribed to the session, until it unsubscribes", async () => {
    const { socket, events } = await client(key);
    expect(await subscribe(socket, { sessionId })).toEqual({ ok: true, replayed: 0 });
    const started = await startRun({ strategy: 'route' });
    await until(events, 'run.completed');
    expect(new Set(events.map((e) => e.runId))).toEqual(new Set([started.runId]));
    expect(await (socket.timeout(5000).emitWithAck('unsubscribe', { sessionId }) as Promise<Json>)).toEqual({
      ok: true,
      replayed: 0,
    });
    const count = events.length;
    const after = await startRun({ strategy: 'route' });
    await runEnded(after.runId as string);
    expect(events).toHaveLength(count);
  });

  describe('a revoked key', () => {
    const revoke = (id: string) => env.t.http().delete(`/api/keys/${id}`).set(auth(ADMIN_KEY)).expect(204);

    it('should lose its open socket at once, and be refused when it connects again', async () => {
      const user = await createUserKey(env.t, 'revoked live');
      const session = await createSession(env.t, user.key);
      const { socket } = await client(user.key);
      expect(await subscribe(socket, { sessionId: session.id })).toEqual({ ok: true, replayed: 0 });
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      await revoke(user.id);
      // The server's own disconnect, which a client does not retry and cannot recover.
      expect(await closed).toBe('io server disconnect');
      await expect(client(user.key)).rejects.toThrow(/unauthorized: the API key is unknown or revoked/);
    });

    it('should not recover a dropped connection after its key was revoked', async () => {
      const user = await createUserKey(env.t, 'revoked while away');
      const session = await createSession(env.t, user.key);
      const socket = io(url, {
        auth: { token: user.key },
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 50,
      });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      expect(await subscribe(socket, { sessionId: session.id })).toEqual({ ok: true, replayed: 0 });
      // Recovery resumes after the last broadcast a client received: receive a run's events first.
      const received: Json[] = [];
      socket.onAny((_name: string, payload: Json) => received.push(payload));
      await env.t
        .http()
        .post('/api/orchestrate')
        .set(auth(user.key))
        .send({ sessionId: session.id, prompt: 'Say hello', strategy: 'route' })
        .expect(202);
      await until(received, 'run.completed');

      // First a recovery with a valid key: the server kept the session, and it comes back recovered.
      const back = new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.io.engine.close(); // the transport drops, as on a network cut
      await back;
      expect(socket.recovered).toBe(true);

      // Now the key is revoked while the transport is down: the reconnection must be refused.
      const down = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
      socket.io.engine.close();
      await down;
      await revoke(user.id);
      const refused = await new Promise<Error>((resolve, reject) => {
        socket.once('connect_error', resolve);
        socket.once('connect', () =>
          reject(new Error(`reconnected (recovered: ${socket.recovered}) with a revoked key`)),
        );
      });
      expect(refused.message).toMatch(/unauthorized: the API key is unknown or revoked/);
      expect(socket.connected).toBe(false);
      socket.disconnect();
    });
  });

  describe('per-socket limits', () => {
    it('should answer 500 subscribes sent at once, refusing those over the in-flight limit', async () => {
      const { socket } = await client(key);
      const acks = await Promise.all(
        Array.from(
          { length: 500 },
          () => socket.timeout(20_000).emitWithAck('subscribe', { sessionId }) as Promise<Json>,
        ),
      );
      const refused = acks.filter((a) => a.ok === false);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((a) => /too many requests at once: at most 8/.test(a.error as string))).toBe(true);
      expect(acks.filter((a) => a.ok === true).length).toBeGreaterThan(0);
      // The server still answers others meanwhile.
      await env.t.http().get('/api/sessions').set(auth(key)).expect(200);
    });

    it('should refuse a subscription past the per-socket cap, and take one again after an unsubscribe', async () => {
      const user = await createUserKey(env.t, 'many rooms');
      const ids: string[] = [];
      for (let batch = 0; batch < 101; batch += 20) {
        const made = await Promise.all(
          Array.from({ length: Math.min(20, 101 - batch) }, () => createSession(env.t, user.key)),
        );
        ids.push(...made.map((m) => m.id));
      }
      const { socket } = await client(user.key);
      for (const id of ids.slice(0, 100))
        expect(await subscribe(socket, { sessionId: id })).toMatchObject({ ok: true });
      expect(await subscribe(socket, { sessionId: ids[100] })).toEqual({
        ok: false,
        error: 'too many subscriptions: a socket may hold 100; unsubscribe from some first',
      });
      // Subscribing again to a room it holds is no new subscription.
      expect(await subscribe(socket, { sessionId: ids[0] })).toMatchObject({ ok: true });
      await socket.timeout(5000).emitWithAck('unsubscribe', { sessionId: ids[0] });
      expect(await subscribe(socket, { sessionId: ids[100] })).toMatchObject({ ok: true });
    });

    it.each([
      ['a number', 42, 'send an object'],
      ['a string', 'run', 'send an object'],
      ['an array', [{ sessionId: '0123456789abcdef01234567' }], 'send an object'],
      ['null', null, 'send an object'],
      ['a 900 KB string', 'x'.repeat(900_000), 'the request is 900002 characters; the limit is 1024'],
      ['an unknown field', { sessionId: '0123456789abcdef01234567', room: 'x' }, 'unknown field room'],
      [
        'afterSeq without a run',
        { sessionId: '0123456789abcdef01234567', afterSeq: 1 },
        'afterSeq goes with runId only',
      ],
    ])('should acknowledge %s with { ok: false, error }, never an exception event', async (_, payload, error) => {
      const { socket, events } = await client(key);
      for (const name of ['subscribe', 'unsubscribe']) {
        const ack = (await socket.timeout(5000).emitWithAck(name, payload)) as Json;
        expect(ack.ok).toBe(false);
        expect(ack.error).toContain(error);
      }
      expect(events).toEqual([]);
      expect(socket.connected).toBe(true);
    });
  });
});
