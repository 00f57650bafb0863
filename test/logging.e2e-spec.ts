import { startApp, type TestApp } from './support/app.js';
import { createUserKey } from './support/factories.js';

describe('Logs', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ LOG_LEVEL: 'trace' });
  });
  afterAll(() => t.close());

  it('should log each request with its request id and never an API key', async () => {
    const { key } = await createUserKey(t, 'logged');
    const bearer = await t
      .http()
      .get('/api/sessions')
      .set('authorization', `Bearer ${key}`)
      .set('x-request-id', 'trace-me-1')
      .expect(200);
    await t.http().get('/api/sessions').set('x-api-key', key).set('x-request-id', 'trace-me-2').expect(200);
    await t.http().get('/api/sessions').set('x-api-key', `${key}-wrong`).set('x-request-id', 'trace-me-3').expect(401);
    expect(bearer.headers['x-request-id']).toBe('trace-me-1');

    const lines = t.logs.map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    for (const id of ['trace-me-1', 'trace-me-2', 'trace-me-3']) {
      const mine = lines.filter((l) => l.reqId === id).map((l) => l.msg);
      expect(mine).toEqual(['incoming request', 'request completed']);
    }
    const all = t.logs.join('\n');
    expect(all).not.toContain(key);
    expect(all).not.toContain(key.slice(4));
  });
});
