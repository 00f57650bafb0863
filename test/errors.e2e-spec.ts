import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';
import { auth } from './support/factories.js';

const ENVELOPE_KEYS = ['error', 'message', 'path', 'requestId', 'statusCode', 'timestamp'];

describe('Bad requests', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(() => t.close());

  const cases: [string, string, string, string | object | undefined, string | undefined, number, string][] = [
    [
      'a malformed session id',
      'get',
      '/api/sessions/not-an-id',
      undefined,
      undefined,
      400,
      'id must be a 24-character hexadecimal id, got "not-an-id"',
    ],
    [
      'a malformed thread id',
      'delete',
      '/api/threads/123',
      undefined,
      undefined,
      400,
      'id must be a 24-character hexadecimal id',
    ],
    [
      'a malformed thread id in messages',
      'get',
      '/api/threads/zz/messages',
      undefined,
      undefined,
      400,
      'threadId must be a 24-character hexadecimal id',
    ],
    [
      'a missing session',
      'get',
      '/api/sessions/0123456789abcdef01234567',
      undefined,
      undefined,
      404,
      'session 0123456789abcdef01234567 not found',
    ],
    [
      'a malformed cursor',
      'get',
      '/api/sessions?cursor=abc',
      undefined,
      undefined,
      400,
      'cursor must be the nextCursor value of a previous page',
    ],
    [
      'a limit over 100',
      'get',
      '/api/sessions?limit=500',
      undefined,
      undefined,
      400,
      'limit must not be greater than 100',
    ],
    [
      'a limit that is not a number',
      'get',
      '/api/sessions?limit=ten',
      undefined,
      undefined,
      400,
      'limit must be an integer number',
    ],
    [
      'an unknown query parameter',
      'get',
      '/api/sessions?sort=desc',
      undefined,
      undefined,
      400,
      'property sort should not exist',
    ],
    ['a wrong type', 'post', '/api/sessions', { title: ['a'] }, undefined, 400, 'title must be a string'],
    [
      'a nested wrong type',
      'post',
      '/api/sessions',
      { title: 'a', settings: { maxIterations: '3' } },
      undefined,
      400,
      'settings.maxIterations must be an integer number',
    ],
    [
      'an unknown field',
      'post',
      '/api/sessions',
      { title: 'a', ownerId: 'someone-else' },
      undefined,
      400,
      'property ownerId should not exist',
    ],
    [
      'an operator injection',
      'post',
      '/api/threads',
      { sessionId: { $ne: null }, title: 'x' },
      undefined,
      400,
      'sessionId must be a 24-character hexadecimal id',
    ],
    [
      'a JSON array body',
      'post',
      '/api/sessions',
      '[]',
      'application/json',
      400,
      'The request body must be a JSON object',
    ],
    ['malformed JSON', 'post', '/api/sessions', '{"title": ', 'application/json', 400, 'is not valid JSON'],
    [
      'a __proto__ key',
      'post',
      '/api/sessions',
      '{"title":"x","__proto__":{"admin":true}}',
      'application/json',
      400,
      'The request body has a "__proto__" key, which is refused',
    ],
    [
      'a constructor key',
      'post',
      '/api/sessions',
      '{"title":"x","constructor":{"prototype":{"admin":true}}}',
      'application/json',
      400,
      'The request body has a "constructor" key, which is refused',
    ],
    [
      'an empty PATCH',
      'patch',
      '/api/sessions/0123456789abcdef01234567',
      '{}',
      'application/json',
      400,
      'The body changes nothing: set at least one of title, userId, settings',
    ],
    [
      'a PATCH without a body',
      'patch',
      '/api/threads/0123456789abcdef01234567',
      undefined,
      undefined,
      400,
      'The body changes nothing: set at least one of title, domain',
    ],
    [
      'a method the path does not answer',
      'trace',
      '/health',
      undefined,
      undefined,
      405,
      'TRACE is not allowed on /health',
    ],
    [
      'PUT on a session',
      'put',
      '/api/sessions/0123456789abcdef01234567',
      '{}',
      'application/json',
      405,
      'it answers GET, HEAD, PATCH',
    ],
    ['a text body', 'post', '/api/sessions', 'title=x', 'text/plain', 400, 'The request body must be a JSON object'],
    [
      'an oversize body',
      'post',
      '/api/sessions',
      JSON.stringify({ title: 'x'.repeat(5000) }),
      'application/json',
      413,
      'The request body is larger than 4096 bytes (BODY_LIMIT_BYTES)',
    ],
    ['an unknown route', 'get', '/api/nothing-here', undefined, undefined, 404, 'Cannot GET /api/nothing-here'],
  ];

  it.each(cases)('should answer %s with the error envelope', async (_, method, path, body, type, status, message) => {
    let req = t.http()[method as 'get'](path).set(auth(ADMIN_KEY));
    if (type !== undefined) req = req.set('content-type', type);
    const res = body === undefined ? await req : await req.send(body as object);
    expect(res.status).toBe(status);
    expect(Object.keys(res.body).sort()).toEqual(ENVELOPE_KEYS);
    expect(res.body.statusCode).toBe(status);
    expect(res.body.path).toBe(path.split('?')[0]);
    expect(res.body.message).toContain(message);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('should name the methods a path answers in the Allow header of a 405', async () => {
    const res = await t.http().delete('/api/sessions').set(auth(ADMIN_KEY)).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    const unknown = await t.http().delete('/api/nothing-here').set(auth(ADMIN_KEY)).expect(404);
    expect(unknown.headers.allow).toBeUndefined();
  });

  it('should echo a client’s request id and keep serving after a storm of bad input', async () => {
    const res = await t
      .http()
      .get('/api/sessions/bad')
      .set(auth(ADMIN_KEY))
      .set('x-request-id', 'client-req-42')
      .expect(400);
    expect(res.headers['x-request-id']).toBe('client-req-42');
    expect(res.body.requestId).toBe('client-req-42');

    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const req = t.http().post('/api/sessions').set(auth(ADMIN_KEY)).set('content-type', 'application/json');
        return req.send(i % 3 === 0 ? '{' : i % 3 === 1 ? '{"title":null}' : '"x"').then((r) => r.status);
      }),
    );
    expect(statuses.every((s) => s === 400)).toBe(true);
    await t.http().get('/health').expect(200);
  });
});

describe('CORS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(() => t.close());

  it('should answer a preflight from an allowed origin and not from another', async () => {
    const allowed = await t
      .http()
      .options('/api/sessions')
      .set('origin', 'https://app.example')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization,content-type');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');

    const other = await t
      .http()
      .options('/api/sessions')
      .set('origin', 'https://evil.example')
      .set('access-control-request-method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
