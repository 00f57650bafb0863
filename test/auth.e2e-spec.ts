import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { createHash } from 'node:crypto';
import { io } from 'socket.io-client';
import type request from 'supertest';
import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';
import { auth, createSession, createUserKey } from './support/factories.js';

describe('API keys', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('should show a new key once and store only its SHA-256 hash', async () => {
    const res = await t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'ci bot', role: 'user' })
      .expect(201);
    const { key, id, prefix } = res.body as { key: string; id: string; prefix: string };
    expect(key).toMatch(/^orx_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    expect(res.body).toMatchObject({ name: 'ci bot', role: 'user', ownerId: id, revokedAt: null });

    const stored = await t.db.collection('api_keys').findOne({ name: 'ci bot' });
    expect(stored?.hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(JSON.stringify(stored)).not.toContain(key.slice(prefix.length));

    const listed = await t.http().get('/api/keys?limit=100').set(auth(ADMIN_KEY)).expect(200);
    const entry = listed.body.items.find((k: { id: string }) => k.id === id);
    expect(entry).toEqual({
      limits: {
        models: null,
        tools: null,
        usdPerDay: null,
        usdPerMonth: null,
        usdTotal: null,
        rpm: null,
        tpm: null,
        unpriced: null,
        cache: null,
      },
      id,
      name: 'ci bot',
      role: 'user',
      ownerId: id,
      prefix,
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(key);
  });

  it('should accept a key as a Bearer token or in x-api-key, and record when it was used', async () => {
    const { key, id } = await createUserKey(t, 'both headers');
    await t.http().get('/api/sessions').set('authorization', `Bearer ${key}`).expect(200);
    await t.http().get('/api/sessions').set('x-api-key', key).expect(200);
    const listed = await t.http().get('/api/keys?limit=100').set('x-api-key', ADMIN_KEY).expect(200);
    const entry = listed.body.items.find((k: { id: string }) => k.id === id);
    expect(entry.lastUsedAt).toEqual(expect.any(String));
  });

  it.each([
    ['no key', {}, 'Missing API key'],
    [
      'an unknown key',
      { authorization: 'Bearer orx_thisKeyDoesNotExist0000000000000000000000' },
      'Invalid or revoked API key',
    ],
    ['a malformed header', { authorization: 'Basic dXNlcjpwYXNz' }, 'Missing API key'],
  ])('should answer 401 to %s', async (_, headers, message) => {
    const res = await t.http().get('/api/sessions').set(headers).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', path: '/api/sessions' });
    expect(res.body.message).toContain(message);
  });

  it('should refuse a revoked key at once, and keep the data it made', async () => {
    const { key, id } = await createUserKey(t, 'to revoke');
    const session = await createSession(t, key);
    await t.http().delete(`/api/keys/${id}`).set(auth(ADMIN_KEY)).expect(204);

    const res = await t.http().get('/api/sessions').set(auth(key)).expect(401);
    expect(res.body.message).toBe('Invalid or revoked API key');
    await t.http().get(`/api/sessions/${session.id}`).set(auth(ADMIN_KEY)).expect(200);
    await t.http().delete(`/api/keys/${id}`).set(auth(ADMIN_KEY)).expect(204);
    await t.http().delete('/api/keys/0123456789abcdef01234567').set(auth(ADMIN_KEY)).expect(404);
  });

  it('should let a rotated key of the same owner see the same data', async () => {
    const first = await createUserKey(t, 'first');
    const session = await createSession(t, first.key);
    const second = await t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'second', ownerId: first.ownerId })
      .expect(201);
    await t.http().delete(`/api/keys/${first.id}`).set(auth(ADMIN_KEY)).expect(204);
    await t.http().get(`/api/sessions/${session.id}`).set(auth(second.body.key)).expect(200);
  });

  it('should keep key management to admins', async () => {
    const { key } = await createUserKey(t, 'plain user');
    const res = await t.http().post('/api/keys').set(auth(key)).send({ name: 'escalate', role: 'admin' }).expect(403);
    expect(res.body.message).toBe('This endpoint needs an admin key');
    await t.http().get('/api/keys').set(auth(key)).expect(403);
    await t.http().post('/api/keys').set(auth(ADMIN_KEY)).send({ name: 'x', role: 'root' }).expect(400);
  });

  it('should let a second admin key manage keys', async () => {
    const admin = await t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'ops', role: 'admin' })
      .expect(201);
    await t.http().post('/api/keys').set(auth(admin.body.key)).send({ name: 'made by ops' }).expect(201);
  });

  it('should tell any key who it is: name, role, limits and spend, never the key or its hash', async () => {
    const made = await t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'console', limits: { rpm: 30 } })
      .expect(201);
    const { body } = await t.http().get('/api/me').set(auth(made.body.key)).expect(200);
    expect(body).toEqual({
      id: made.body.id,
      name: 'console',
      role: 'user',
      ownerId: made.body.ownerId,
      limits: {
        models: null,
        tools: null,
        usdPerDay: null,
        usdPerMonth: null,
        usdTotal: null,
        rpm: 30,
        tpm: null,
        unpriced: null,
        cache: null,
      },
      spend: { usdToday: 0, usdThisMonth: 0, usdTotal: 0, usdHeld: 0, tokensLastMinute: 0 },
    });
    const admin = await t.http().get('/api/me').set(auth(ADMIN_KEY)).expect(200);
    expect(admin.body).toMatchObject({
      id: 'env:ADMIN_API_KEY',
      name: 'ADMIN_API_KEY',
      role: 'admin',
      ownerId: 'admin',
    });
    await t.http().get('/api/me').set(auth('orx_unknown_key_0123456789abcdef01')).expect(401);
  });
});

describe('First start without ADMIN_API_KEY', () => {
  it('should generate one admin key that works, and none again on the next start', async () => {
    let t: TestApp | undefined;
    try {
      t = await startApp({ ADMIN_API_KEY: undefined });
      expect(await t.db.collection('api_keys').countDocuments({ role: 'admin' })).toBe(0);
      const first = await t.app.get(ApiKeysService).ensureAdminKey();
      const key = 'generated' in first ? first.generated : '';
      expect(key).toMatch(/^orx_[A-Za-z0-9_-]{43}$/);
      const created = await t.http().post('/api/keys').set(auth(key)).send({ name: 'by bootstrap admin' }).expect(201);
      expect(created.body.role).toBe('user');
      const stored = await t.db.collection('api_keys').find({ role: 'admin' }).toArray();
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(key);

      const uri = t.config.mongodbUri as string;
      await t.app.close();
      t = await startApp({ ADMIN_API_KEY: undefined, MONGODB_URI: uri });
      expect(await t.app.get(ApiKeysService).ensureAdminKey()).toEqual({ configured: 'stored' });
      expect(await t.db.collection('api_keys').countDocuments({ role: 'admin' })).toBe(1);
      await t.http().get('/api/keys').set(auth(key)).expect(200);
    } finally {
      await t?.close();
    }
  });
});

describe('failed authentication', () => {
  let t: TestApp;
  let proxied: TestApp;

  beforeAll(async () => {
    t = await startApp({ AUTH_FAILURE_LIMIT: '20', AUTH_FAILURE_WINDOW_MS: '60000' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    proxied = await startApp({ AUTH_FAILURE_LIMIT: '20', AUTH_FAILURE_WINDOW_MS: '60000', TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await t.close();
    await proxied.close();
  });

  /** Guesses at one key (its first characters fixed) from one address: the statuses answered. */
  async function guess(app: TestApp, times: number, headers: Record<string, string> = {}): Promise<request.Response[]> {
    const answers: request.Response[] = [];
    for (let i = 0; i < times; i += 1) {
      answers.push(
        await app
          .http()
          .get('/api/sessions')
          .set(headers)
          .set(auth(`orx_guessing${i}`)),
      );
    }
    return answers;
  }

  it('should answer 429 with Retry-After to guesses at one key past 20, and still serve a valid key from that address', async () => {
    const user = await createUserKey(t);
    const answers = await guess(t, 50);
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 401));
    expect(statuses.slice(20)).toEqual(Array.from({ length: 30 }, () => 429));
    const last = answers.at(-1);
    expect(last?.body).toMatchObject({ statusCode: 429, message: /Too many failed authentications from this address/ });
    const retryAfter = Number(last?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // The address is past its limit, but a valid key is never refused for what others sent from it.
    await t.http().get('/api/sessions').set(auth(user.key)).expect(200);
    // Another key's guesses are looked at (and fail) rather than refused.
    await t.http().get('/api/sessions').set(auth('orx_otherkey_123')).expect(401);
    const url = `${await t.app.getUrl()}/orchestration`.replace('[::1]', '127.0.0.1');
    const connect = (token: string) => {
      const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      return new Promise<Error | null>((resolve) => {
        socket.once('connect_error', (error) => resolve(error));
        socket.once('connect', () => resolve(null));
      }).finally(() => socket.disconnect());
    };
    expect(await connect(user.key)).toBeNull();
    expect((await connect('orx_guessing99'))?.message).toMatch(/^rate limited: Too many failed authentications/);
    // Routes that need no key still answer.
    await t.http().get('/health').expect(200);
  });

  it('should tell clients behind a trusted proxy apart by X-Forwarded-For (TRUST_PROXY)', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const attacker = await guess(proxied, 21, from('203.0.113.7'));
    expect(attacker.at(-1)?.status).toBe(429);
    // The same guess from another client behind the proxy is its own: looked at, 401.
    const other = await proxied.http().get('/api/sessions').set(from('198.51.100.4')).set(auth('orx_guessing0'));
    expect(other.status).toBe(401);
    // Without TRUST_PROXY the header is not believed: every client is the proxy's address.
    const untrusted = await guess(t, 1, from('198.51.100.4'));
    expect(untrusted[0].status).toBe(429);
  });
});
