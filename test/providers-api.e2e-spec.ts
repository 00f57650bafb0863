import { randomBytes } from 'node:crypto';
import { startApp, type TestApp } from './support/app.js';
import { auth, createUserKey } from './support/factories.js';

// A key-shaped secret made for the run, so the repository holds nothing that looks like a real key.
const SECRET = `sk-test-${randomBytes(18).toString('hex')}`;

describe('GET /api/providers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      OPENAI_API_KEY: SECRET,
      OPENAI_BASE_URL: 'http://user:pass@127.0.0.1:9/v1?token=abc',
      MISTRAL_API_KEY: 'mistral-secret-key-000000000000',
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
    });
  });
  afterAll(() => t.close());

  it('should list every provider, configured or not, without any secret', async () => {
    const { key } = await createUserKey(t);
    const res = await t.http().get('/api/providers').set(auth(key)).expect(200);
    const byId = Object.fromEntries((res.body as { id: string }[]).map((p) => [p.id, p]));
    expect(Object.keys(byId)).toEqual([
      'openai',
      'anthropic',
      'xai',
      'alibaba',
      'mistral',
      'meta',
      'openrouter',
      'ollama',
    ]);
    expect(byId.openai).toEqual({
      id: 'openai',
      name: 'OpenAI',
      protocol: 'openai',
      configured: true,
      baseUrl: 'http://127.0.0.1:9/v1',
      keyVariable: 'OPENAI_API_KEY',
      recentCalls: 0,
      recentErrorRate: null,
      cooldowns: [],
    });
    expect(byId.anthropic).toMatchObject({
      configured: false,
      protocol: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
    });
    expect(byId.alibaba).toMatchObject({
      configured: false,
      baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
      keyVariable: 'DASHSCOPE_API_KEY',
    });
    expect(byId.mistral).toMatchObject({ configured: true });
    expect(byId.ollama).toMatchObject({ configured: true, keyVariable: null });

    const everything = JSON.stringify(res.body) + t.logs.join('\n');
    for (const secret of [SECRET, 'mistral-secret-key', 'pass@', 'token=abc']) expect(everything).not.toContain(secret);
  });

  it('should need an API key', async () => {
    await t.http().get('/api/providers').expect(401);
  });
});
