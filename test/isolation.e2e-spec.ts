import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';
import { auth, createSession, createThread, createUserKey, postMessage } from './support/factories.js';

describe('Isolation between keys', () => {
  let t: TestApp;
  let a: string;
  let b: string;
  let sessionA: string;
  let threadA: string;
  let messageA: string;

  beforeAll(async () => {
    t = await startApp();
    a = (await createUserKey(t, 'A')).key;
    b = (await createUserKey(t, 'B')).key;
    sessionA = (await createSession(t, a, { title: 'A private', userId: 'shared-user' })).id;
    threadA = (await createThread(t, a, sessionA)).id;
    messageA = (await postMessage(t, a, threadA, { content: 'secret of A' })).id;
    await createSession(t, b, { title: 'B own', userId: 'shared-user' });
  });
  afterAll(() => t.close());

  type Method = 'get' | 'patch' | 'post' | 'delete';
  const attempts: [string, Method, () => string, (() => object) | undefined][] = [
    ['GET session', 'get', () => `/api/sessions/${sessionA}`, undefined],
    ['PATCH session', 'patch', () => `/api/sessions/${sessionA}`, () => ({ title: 'taken' })],
    ['end session', 'post', () => `/api/sessions/${sessionA}/end`, () => ({})],
    ['GET thread', 'get', () => `/api/threads/${threadA}`, undefined],
    ['PATCH thread', 'patch', () => `/api/threads/${threadA}`, () => ({ title: 'taken' })],
    ['DELETE thread', 'delete', () => `/api/threads/${threadA}`, undefined],
    ['list messages', 'get', () => `/api/threads/${threadA}/messages`, undefined],
    ['branch view', 'get', () => `/api/threads/${threadA}/messages?branch=${messageA}`, undefined],
    ['post message', 'post', () => `/api/threads/${threadA}/messages`, () => ({ role: 'user', content: 'intrusion' })],
    ['create thread in session', 'post', () => '/api/threads', () => ({ sessionId: sessionA, title: 'intrusion' })],
    ['list threads of session', 'get', () => `/api/threads?sessionId=${sessionA}`, undefined],
  ];

  it.each(attempts)(
    'should answer 404 to key B on %s, exactly as for a missing object',
    async (_, method, path, body) => {
      const payload = body?.();
      const res = await t.http()[method](path()).set(auth(b)).send(payload).expect(404);
      expect(res.body.statusCode).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('secret of A');

      const missing = path().replace(/[0-9a-f]{24}/g, 'ffffffffffffffffffffffff');
      const miss = await t.http()[method](missing).set(auth(b)).send(payload);
      expect(miss.status).toBe(404);
      expect(miss.body.message.replace(/[0-9a-f]{24}/g, 'ID')).toBe(res.body.message.replace(/[0-9a-f]{24}/g, 'ID'));
    },
  );

  it('should leave A’s objects untouched after B’s attempts', async () => {
    const session = await t.http().get(`/api/sessions/${sessionA}`).set(auth(a)).expect(200);
    expect(session.body).toMatchObject({ title: 'A private', status: 'active' });
    const thread = await t.http().get(`/api/threads/${threadA}`).set(auth(a)).expect(200);
    expect(thread.body.title).toBe('a thread');
    const messages = await t.http().get(`/api/threads/${threadA}/messages`).set(auth(a)).expect(200);
    expect(messages.body.items.map((m: { content: string }) => m.content)).toEqual(['secret of A']);
  });

  it('should never list A’s objects to B', async () => {
    const sessions = await t.http().get('/api/sessions?userId=shared-user').set(auth(b)).expect(200);
    expect(sessions.body.items.map((s: { title: string }) => s.title)).toEqual(['B own']);
    const all = await t.http().get('/api/sessions?limit=100').set(auth(b)).expect(200);
    expect(all.body.items.every((s: { id: string }) => s.id !== sessionA)).toBe(true);
    const threads = await t.http().get('/api/threads?limit=100').set(auth(b)).expect(200);
    expect(threads.body.items).toEqual([]);
  });

  it('should show the admin everyone’s objects', async () => {
    const sessions = await t.http().get('/api/sessions?userId=shared-user').set(auth(ADMIN_KEY)).expect(200);
    expect(sessions.body.items.map((s: { title: string }) => s.title).sort()).toEqual(['A private', 'B own']);
    const messages = await t.http().get(`/api/threads/${threadA}/messages`).set(auth(ADMIN_KEY)).expect(200);
    expect(messages.body.items).toHaveLength(1);
  });
});
