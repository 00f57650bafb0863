import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';
import { auth, createUserKey } from './support/factories.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The audit trail (GET /api/audit): who changed which key or model, from what to what. */
describe('audit trail (/api/audit)', () => {
  let t: TestApp;
  let created: Json;
  const MODEL = 'mistral/mistral-small-2603';

  const audit = async (query = '', key = ADMIN_KEY, status = 200): Promise<Json> =>
    (await t.http().get(`/api/audit${query}`).set(auth(key)).expect(status)).body as Json;

  beforeAll(async () => {
    t = await startApp();
    created = (
      await t
        .http()
        .post('/api/keys')
        .set(auth(ADMIN_KEY))
        .send({ name: 'audited', limits: { usdPerDay: 5 } })
        .expect(201)
    ).body as Json;
    await t
      .http()
      .patch(`/api/keys/${created.id}`)
      .set(auth(ADMIN_KEY))
      .send({ name: 'audited and renamed', limits: { usdPerDay: null, rpm: 60 } })
      .expect(200);
    await t
      .http()
      .patch(`/api/models/${encodeURIComponent(MODEL)}`)
      .set(auth(ADMIN_KEY))
      .send({ enabled: false, pricing: { inputPerMTok: 0.5, outputPerMTok: 1.5 } })
      .expect(200);
    await t.http().delete(`/api/keys/${created.id}`).set(auth(ADMIN_KEY)).expect(204);
  });
  afterAll(() => t.close());

  it('should keep every admin action, newest first, with the acting key and the object before and after', async () => {
    const { items } = await audit('?limit=100');
    const mine = (items as Json[]).filter((e) => e.targetId === created.id || e.targetId === MODEL);
    expect(mine.map((e) => e.action)).toEqual(['key.revoked', 'model.updated', 'key.updated', 'key.created']);
    expect(mine.every((e) => e.actorKeyId === 'env:ADMIN_API_KEY')).toBe(true);
    const [revoked, model, updated, made] = mine;
    expect(made).toMatchObject({
      targetType: 'key',
      before: null,
      after: { name: 'audited', role: 'user', limits: { usdPerDay: 5 }, revokedAt: null },
    });
    expect(updated.before).toMatchObject({ name: 'audited', limits: { usdPerDay: 5 } });
    expect(updated.after).toMatchObject({ name: 'audited and renamed', limits: { rpm: 60 } });
    expect(updated.after.limits.usdPerDay ?? null).toBeNull();
    expect(model).toMatchObject({
      targetType: 'model',
      before: {},
      after: { enabled: false, pricing: { inputPerMTok: 0.5, outputPerMTok: 1.5 } },
    });
    expect(revoked.before.revokedAt).toBeNull();
    expect(revoked.after.revokedAt).toEqual(expect.any(String));
    // Never a secret: not the key, not its hash.
    const text = JSON.stringify(items);
    expect(text).not.toContain(created.key);
    expect(text).not.toMatch(/"hash"/);
  });

  it('should filter by action, target and time, and page without a gap', async () => {
    expect((await audit(`?targetType=key&targetId=${created.id}`)).items).toHaveLength(3);
    expect((await audit('?action=model.updated')).items.map((e: Json) => e.targetId)).toEqual([MODEL]);
    expect((await audit('?to=2020-01-01')).items).toEqual([]);
    const all = (await audit('?limit=100')).items.map((e: Json) => e.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await audit(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      paged.push(...page.items.map((e: Json) => e.id as string));
      cursor = page.nextCursor as string | null;
    } while (cursor !== null);
    expect(paged).toEqual(all);
  });

  it('should be for admin keys only, and refuse a malformed filter with a 400', async () => {
    const user = await createUserKey(t, 'curious');
    const refused = await audit('', user.key, 403);
    expect(refused.message).toMatch(/admin/);
    expect((await audit('?action=key.stolen', ADMIN_KEY, 400)).message).toMatch(/action must be one of/);
    expect((await audit('?from=soon', ADMIN_KEY, 400)).message).toMatch(/from must be a date/);
  });
});
