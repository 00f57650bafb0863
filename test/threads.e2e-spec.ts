import { startApp, type TestApp } from './support/app.js';
import { auth, collectPages, createSession, createThread, createUserKey, postMessage } from './support/factories.js';

describe('Threads and messages', () => {
  let t: TestApp;
  let key: string;
  let sessionId: string;

  beforeAll(async () => {
    t = await startApp({ MESSAGE_MAX_CHARS: '1000' });
    key = (await createUserKey(t)).key;
    sessionId = (await createSession(t, key)).id;
  });
  afterAll(() => t.close());

  it('should create, read, rename and list threads of a session', async () => {
    const thread = await createThread(t, key, sessionId, { title: 'Refactor', domain: 'coding' });
    expect(thread).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      sessionId,
      title: 'Refactor',
      domain: 'coding',
      messageCount: 0,
      lastMessageAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const renamed = await t
      .http()
      .patch(`/api/threads/${thread.id}`)
      .set(auth(key))
      .send({ title: 'Refactor v2' })
      .expect(200);
    expect(renamed.body).toMatchObject({ title: 'Refactor v2', domain: 'coding' });
    await t.http().patch(`/api/threads/${thread.id}`).set(auth(key)).send({ sessionId }).expect(400);

    const got = await t.http().get(`/api/threads/${thread.id}`).set(auth(key)).expect(200);
    expect(got.body.title).toBe('Refactor v2');
  });

  it('should page through a session’s threads newest first', async () => {
    const s = await createSession(t, key);
    const made: string[] = [];
    for (let i = 0; i < 7; i += 1) made.push((await createThread(t, key, s.id, { title: `t${i}` })).id);
    const pages = await collectPages(t, key, `/api/threads?sessionId=${s.id}`, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...made].reverse());
    await t.http().get('/api/threads?sessionId=0123456789abcdef01234567').set(auth(key)).expect(404);
  });

  it('should store messages in order, chain them, and page oldest first', async () => {
    const thread = await createThread(t, key, sessionId);
    const sent = [];
    for (let i = 0; i < 12; i += 1) {
      sent.push(await postMessage(t, key, thread.id, { role: i % 2 === 0 ? 'user' : 'assistant', content: `m${i}` }));
    }
    expect(sent[0].parentId).toBeNull();
    for (let i = 1; i < sent.length; i += 1) expect(sent[i].parentId).toBe(sent[i - 1].id);

    const pages = await collectPages(t, key, `/api/threads/${thread.id}/messages`, 5);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual(sent.map((m) => m.id));

    const after = await t.http().get(`/api/threads/${thread.id}`).set(auth(key)).expect(200);
    expect(after.body.messageCount).toBe(12);
    expect(after.body.lastMessageAt).toBe(sent[11].createdAt);
    const session = await t.http().get(`/api/sessions/${sessionId}`).set(auth(key)).expect(200);
    // Marked active at most once a second per session: within a second of the last message.
    expect(Date.parse(session.body.lastActivityAt)).toBeGreaterThanOrEqual(
      Date.parse(sent[11].createdAt as string) - 1000,
    );
    expect(Date.parse(session.body.lastActivityAt)).toBeGreaterThan(Date.parse(session.body.createdAt as string));
  });

  it('should follow one branch from its leaf back to the root', async () => {
    const thread = await createThread(t, key, sessionId);
    const root = await postMessage(t, key, thread.id, { content: 'question' });
    const a1 = await postMessage(t, key, thread.id, { role: 'assistant', content: 'answer A' });
    const a2 = await postMessage(t, key, thread.id, { content: 'follow-up on A' });
    const b1 = await postMessage(t, key, thread.id, { role: 'assistant', content: 'answer B', parentId: root.id });
    const b2 = await postMessage(t, key, thread.id, { content: 'follow-up on B' });
    expect(b2.parentId).toBe(b1.id);

    const branchB = await t.http().get(`/api/threads/${thread.id}/messages?branch=${b2.id}`).set(auth(key)).expect(200);
    expect(branchB.body.items.map((m: { content: string }) => m.content)).toEqual([
      'question',
      'answer B',
      'follow-up on B',
    ]);
    const pagesA = await collectPages(t, key, `/api/threads/${thread.id}/messages?branch=${a2.id}`, 2);
    expect(pagesA).toEqual([[root.id, a1.id], [a2.id]]);

    const all = await t.http().get(`/api/threads/${thread.id}/messages`).set(auth(key)).expect(200);
    expect(all.body.items).toHaveLength(5);

    const foreignParent = await createThread(t, key, sessionId);
    const other = await postMessage(t, key, foreignParent.id);
    const res = await t
      .http()
      .post(`/api/threads/${thread.id}/messages`)
      .set(auth(key))
      .send({ role: 'user', content: 'x', parentId: other.id })
      .expect(400);
    expect(res.body.message).toBe(`parentId ${other.id} is not a message of thread ${thread.id}`);
    await t.http().get(`/api/threads/${thread.id}/messages?branch=${other.id}`).set(auth(key)).expect(404);
  });

  it('should refuse content over MESSAGE_MAX_CHARS with a 413 and store nothing', async () => {
    const thread = await createThread(t, key, sessionId);
    const res = await t
      .http()
      .post(`/api/threads/${thread.id}/messages`)
      .set(auth(key))
      .send({ role: 'user', content: 'x'.repeat(1001) })
      .expect(413);
    expect(res.body.message).toBe('content has 1001 characters; the limit is 1000 (MESSAGE_MAX_CHARS)');
    await postMessage(t, key, thread.id, { content: 'x'.repeat(1000) });
    expect(
      await t.db
        .collection('messages')
        .countDocuments({ threadId: t.db.base.Types.ObjectId.createFromHexString(thread.id) }),
    ).toBe(1);
  });

  it.each([
    [{ role: 'robot', content: 'x' }, 'role must be one of the following values: user, assistant, system'],
    [{ role: 'user', content: '' }, 'content must be longer than or equal to 1 characters'],
    [{ role: 'user', content: 5 }, 'content must be a string'],
    [{ role: 'user', content: 'x', parentId: 'nope' }, 'parentId must be a 24-character hexadecimal id'],
    [{ role: 'user', content: 'x', model: 'gpt' }, 'property model should not exist'],
  ])('should reject message %j with a 400 naming the problem', async (body, message) => {
    const thread = await createThread(t, key, sessionId);
    const res = await t.http().post(`/api/threads/${thread.id}/messages`).set(auth(key)).send(body).expect(400);
    expect(res.body.message).toContain(message);
  });

  it('should delete a thread together with its messages', async () => {
    const thread = await createThread(t, key, sessionId);
    await postMessage(t, key, thread.id);
    await postMessage(t, key, thread.id);
    await t.http().delete(`/api/threads/${thread.id}`).set(auth(key)).expect(204);
    await t.http().get(`/api/threads/${thread.id}`).set(auth(key)).expect(404);
    await t.http().get(`/api/threads/${thread.id}/messages`).set(auth(key)).expect(404);
    const threadId = t.db.base.Types.ObjectId.createFromHexString(thread.id);
    expect(await t.db.collection('messages').countDocuments({ threadId })).toBe(0);
    await t.http().delete(`/api/threads/${thread.id}`).set(auth(key)).expect(404);
  });

  it('should refuse new messages once the session has ended', async () => {
    const s = await createSession(t, key);
    const thread = await createThread(t, key, s.id);
    await t.http().post(`/api/sessions/${s.id}/end`).set(auth(key)).send({}).expect(200);
    const res = await t
      .http()
      .post(`/api/threads/${thread.id}/messages`)
      .set(auth(key))
      .send({ role: 'user', content: 'late' })
      .expect(409);
    expect(res.body.message).toContain('is completed');
    await t.http().get(`/api/threads/${thread.id}/messages`).set(auth(key)).expect(200);
  });
});
