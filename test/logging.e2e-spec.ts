import { ADMIN_KEY, freshDatabaseUri, startApp, type TestApp } from './support/app.js';
import { buildDist, NodeProcess } from './support/cluster.js';
import { auth, createSession, createUserKey } from './support/factories.js';
import { startSimulatedApp, type SimulatedApp } from './support/simulated.js';

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

    const lines = t.logs.map((l) => JSON.parse(l) as { requestId?: string; msg: string });
    for (const id of ['trace-me-1', 'trace-me-2', 'trace-me-3']) {
      const mine = lines.filter((l) => l.requestId === id).map((l) => l.msg);
      expect(mine).toEqual(['incoming request', 'request completed']);
    }
    const all = t.logs.join('\n');
    expect(all).not.toContain(key);
    expect(all).not.toContain(key.slice(4));
  });
});

describe('Logs that speak when providers fail', () => {
  let env: SimulatedApp;
  const PROMPT = 'Explain the tides of the Bay of Fundy in detail';
  const MODELS = ['openai/gpt-5.4-mini', 'mistral/mistral-small-2603'];

  beforeAll(async () => {
    env = await startSimulatedApp({ LOG_LEVEL: 'info', PROVIDER_COOLDOWN_MS: '1000' });
  });
  afterAll(() => env.close());

  type Line = { level: number; msg: string; context?: string; requestId?: string; runId?: string };
  const lines = () => env.t.logs.map((l) => JSON.parse(l) as Line);
  const WARN = 40;
  const ERROR = 50;

  it('should say each failed attempt, each fallback, each cooldown and the failed run, never a key or the prompt', async () => {
    const users = [await createUserKey(env.t, 'first'), await createUserKey(env.t, 'second')];
    const failing = async (key: string) => {
      const session = await createSession(env.t, key);
      for (const model of ['gpt-5.4-mini', 'mistral-small-2603']) env.sim.injectFault(model, { type: '500' }, 3);
      const run = await env.t
        .http()
        .post('/api/orchestrate?wait=true')
        .set(auth(key))
        .send({ sessionId: session.id, prompt: PROMPT, strategy: 'route', models: MODELS })
        .expect(200);
      return run.body as { id: string; status: string };
    };
    // Two owners' calls fail: the model's cooldown for everyone opens (one owner's alone would not).
    const runs = [await failing(users[0].key), await failing(users[1].key)];
    expect(runs.map((r) => r.status)).toEqual(['failed', 'failed']);

    const first = lines().filter((l) => l.runId === runs[0].id);
    const attempts = first.filter((l) => l.level === WARN && /^Attempt \d at /.test(l.msg));
    // Three attempts at each model (one and two retries), each with its model, class and status,
    // then the fallback from the one tried first to the other.
    const attempted = attempts.map((l) => l.msg.replace(/: upstream_5xx \(HTTP 500\): .*$/, ''));
    const [firstModel, secondModel] = [attempted[0], attempted[3]].map((l) => l.split(' ')[3]);
    expect([firstModel, secondModel].sort()).toEqual([...MODELS].sort());
    expect(attempted).toEqual(
      [firstModel, firstModel, firstModel, secondModel, secondModel, secondModel].map(
        (model, i) => `Attempt ${(i % 3) + 1} at ${model} failed`,
      ),
    );
    expect(first.filter((l) => l.level === WARN && l.msg.startsWith('Falling back')).map((l) => l.msg)).toEqual([
      `Falling back from ${firstModel} to ${secondModel} after upstream_5xx`,
    ]);
    expect(first.filter((l) => l.level === ERROR).map((l) => l.msg)).toEqual([
      expect.stringMatching(new RegExp(`^Run ${runs[0].id} failed: upstream_5xx: .* \\(1 call\\)$`)),
    ]);
    const cooling = lines().filter((l) => l.msg.includes('is cooling down'));
    expect(cooling.map((l) => [l.level, l.msg.split(':')[0]]).sort()).toEqual(
      [...MODELS].sort().map((model) => [WARN, `${model} is cooling down`]),
    );

    // Past the cooldown, the probe succeeds and says so.
    await new Promise((r) => setTimeout(r, 1100));
    const session = await createSession(env.t, users[0].key);
    await env.t
      .http()
      .post('/api/orchestrate?wait=true')
      .set(auth(users[0].key))
      .send({ sessionId: session.id, prompt: 'Say hello', strategy: 'route', models: [MODELS[0]] })
      .expect(200);
    expect(lines().some((l) => l.msg === 'openai/gpt-5.4-mini answers again: its cooldown is over')).toBe(true);

    const all = env.t.logs.join('\n');
    expect(all).not.toContain(PROMPT);
    expect(all).not.toMatch(/simulator-key-/);
    for (const { key } of users) expect(all).not.toContain(key);
  });
});

describe('Logs of a server process', () => {
  it('should write readable lines with LOG_FORMAT=pretty, keep start-up chatter at debug, and say its shutdown', async () => {
    buildDist();
    const server = await NodeProcess.api({
      PATH: process.env.PATH,
      MONGODB_URI: freshDatabaseUri(),
      ADMIN_API_KEY: ADMIN_KEY,
      HOST: '127.0.0.1',
      LOG_FORMAT: 'pretty',
    });
    const answer = await fetch(`${server.url}/api/sessions`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-request-id': 'pretty-1' },
    });
    expect(answer.status).toBe(200);
    await server.kill('SIGTERM');
    const lines = server.output.join('').split('\n');
    const shown = () => lines.join('\n');
    // A time, a level and the message: no JSON object per line.
    const logged = lines.filter((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+/.test(l));
    expect(logged.length).toBeGreaterThan(3);
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
    expect(lines.filter((l) => /Mapped \{|dependencies initialized/.test(l))).toEqual([]);
    expect(logged.filter((l) => l.includes('(request pretty-1)')).map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual([
      'INFO: GET /api/sessions incoming request (request pretty-1)',
      'INFO: 200 request completed (request pretty-1)',
    ]);
    expect(logged.find((l) => l.includes('Shutting down on SIGTERM'))).toMatch(/0 runs going here/);
    expect(logged.find((l) => l.includes('Shut down:')) ?? shown()).toMatch(/run events, usage written in \d+ ms/);
  }, 120_000);
});
