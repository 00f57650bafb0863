import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';
import { auth, collectPages, createSession, createThread, createUserKey } from './support/factories.js';

describe('Sessions', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startApp();
    key = (await createUserKey(t)).key;
  });
  afterAll(() => t.close());

  it('should create a session with default settings and return it by id', async () => {
    const created = await createSession(t, key, { title: 'Plan a trip', userId: 'end-user-7' });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: 'Plan a trip',
      userId: 'end-user-7',
      status: 'active',
      settings: {
        maxIterations: 3,
        qualityThreshold: 8,
        costLimitUsd: null,
        preferredModels: [],
        excludedModels: [],
        defaultStrategy: 'improve',
      },
      totalCostUsd: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      lastActivityAt: expect.any(String),
      endedAt: null,
    });
    expect(created).not.toHaveProperty('_id');
    expect(created).not.toHaveProperty('ownerId');

    const fetched = await t.http().get(`/api/sessions/${created.id}`).set(auth(key)).expect(200);
    expect(fetched.body).toEqual(created);
  });

  it('should store given settings and merge later changes into them', async () => {
    const created = await createSession(t, key, {
      settings: {
        maxIterations: 5,
        qualityThreshold: 7.5,
        costLimitUsd: 0.25,
        preferredModels: ['openai/gpt-4.1'],
        defaultStrategy: 'ensemble',
      },
    });
    const updated = await t
      .http()
      .patch(`/api/sessions/${created.id}`)
      .set(auth(key))
      .send({ title: 'Renamed', settings: { qualityThreshold: 9, excludedModels: ['xai/grok-3-mini'] } })
      .expect(200);
    expect(updated.body.title).toBe('Renamed');
    expect(updated.body.settings).toEqual({
      maxIterations: 5,
      qualityThreshold: 9,
      costLimitUsd: 0.25,
      preferredModels: ['openai/gpt-4.1'],
      excludedModels: ['xai/grok-3-mini'],
      defaultStrategy: 'ensemble',
    });
    const stored = await t.db.collection('sessions').findOne({ title: 'Renamed' });
    expect(stored?.settings.qualityThreshold).toBe(9);

    // A model named in both lists is excluded: the preferred list drops it.
    const both = await t
      .http()
      .patch(`/api/sessions/${created.id}`)
      .set(auth(key))
      .send({ settings: { excludedModels: ['openai/gpt-4.1'] } })
      .expect(200);
    expect(both.body.settings).toMatchObject({ preferredModels: [], excludedModels: ['openai/gpt-4.1'] });
    const fresh = await createSession(t, key, { settings: { preferredModels: ['a', 'b'], excludedModels: ['a'] } });
    expect(fresh.settings).toMatchObject({ preferredModels: ['b'], excludedModels: ['a'] });
  });

  it('should refuse null for a field that is not nullable, and an empty change', async () => {
    const created = await createSession(t, key);
    const res = await t.http().patch(`/api/sessions/${created.id}`).set(auth(key)).send({ userId: null }).expect(400);
    expect(res.body.message).toContain('userId must be');
    await t.http().post('/api/sessions').set(auth(key)).send({ title: 'x', settings: null }).expect(400);
  });

  it.each([
    [{ settings: { maxIterations: 0 } }, 'settings.maxIterations must not be less than 1'],
    [{ settings: { maxIterations: 11 } }, 'settings.maxIterations must not be greater than 10'],
    [{ settings: { qualityThreshold: 10.5 } }, 'settings.qualityThreshold must not be greater than 10'],
    [{ settings: { defaultStrategy: 'vote' } }, 'settings.defaultStrategy must be one of the following values'],
    [{ title: '' }, 'title must be longer than or equal to 1 characters'],
    [{ title: 42 }, 'title must be a string'],
    [{ settings: { maxIterations: 2, color: 'red' } }, 'property settings.color should not exist'],
  ])('should reject %j with a 400 naming the problem', async (body, message) => {
    const res = await t
      .http()
      .post('/api/sessions')
      .set(auth(key))
      .send({ title: 'x', ...body })
      .expect(400);
    expect(res.body.message).toContain(message);
    expect(await t.db.collection('sessions').countDocuments({ title: 'x' })).toBe(0);
  });

  it('should page through sessions newest first without gaps or repeats', async () => {
    const other = (await createUserKey(t, 'pager')).key;
    const made: string[] = [];
    for (let i = 0; i < 23; i += 1) made.push((await createSession(t, other, { title: `s${i}` })).id);

    const pages = await collectPages(t, other, '/api/sessions', 10);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 3]);
    expect(pages.flat()).toEqual([...made].reverse());
  });

  it('should filter sessions by status and by userId', async () => {
    const k = (await createUserKey(t, 'filters')).key;
    const a = await createSession(t, k, { userId: 'alice' });
    const b = await createSession(t, k, { userId: 'bob' });
    await t.http().post(`/api/sessions/${b.id}/end`).set(auth(k)).send({ status: 'terminated' }).expect(200);

    const alice = await t.http().get('/api/sessions?userId=alice').set(auth(k)).expect(200);
    expect(alice.body.items.map((s: { id: string }) => s.id)).toEqual([a.id]);
    const terminated = await t.http().get('/api/sessions?status=terminated').set(auth(k)).expect(200);
    expect(terminated.body.items.map((s: { id: string }) => s.id)).toEqual([b.id]);
    const active = await t.http().get('/api/sessions?status=active').set(auth(k)).expect(200);
    expect(active.body.items.map((s: { id: string }) => s.id)).toEqual([a.id]);
    await t.http().get('/api/sessions?status=paused').set(auth(k)).expect(400);
  });

  it('should end a session once, then refuse new threads in it', async () => {
    const s = await createSession(t, key);
    const ended = await t.http().post(`/api/sessions/${s.id}/end`).set(auth(key)).send({}).expect(200);
    expect(ended.body.status).toBe('completed');
    expect(ended.body.endedAt).toEqual(expect.any(String));

    const again = await t.http().post(`/api/sessions/${s.id}/end`).set(auth(key)).send({}).expect(409);
    expect(again.body.message).toBe(`session ${s.id} is already completed`);

    const thread = await t
      .http()
      .post('/api/threads')
      .set(auth(key))
      .send({ sessionId: s.id, title: 'late' })
      .expect(409);
    expect(thread.body.message).toContain('is completed');
  });

  it('should let the admin see every owner’s sessions', async () => {
    const s = await createSession(t, key);
    await t.http().get(`/api/sessions/${s.id}`).set(auth(ADMIN_KEY)).expect(200);
    const t2 = await createThread(t, ADMIN_KEY, s.id);
    expect(t2.sessionId).toBe(s.id);
  });
});
