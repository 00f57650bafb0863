import { ADMIN_KEY } from './support/app.js';
import { freePort } from './support/cluster.js';
import { auth } from './support/factories.js';
import { eventually } from './support/http.js';
import { everythingStdio, mcpServersFile, startCountingServer, startEverythingHttp } from './support/mcp.js';
import { useSimulatedSession } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MODELS = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5'];
const TOKEN = 'orx-test-mcp-token-7f3a';

describe('MCP servers as a resource (/api/mcp/servers)', () => {
  const box = {} as {
    remote: Awaited<ReturnType<typeof startEverythingHttp>>;
    counting: Awaited<ReturnType<typeof startCountingServer>>;
  };
  beforeAll(async () => {
    [box.remote, box.counting] = await Promise.all([startEverythingHttp(), startCountingServer()]);
    process.env.ORX_TEST_MCP_TOKEN = TOKEN;
  });
  afterAll(async () => {
    delete process.env.ORX_TEST_MCP_TOKEN;
    await Promise.all([box.remote.stop(), box.counting.stop()]);
  });
  const ctx = useSimulatedSession(() => ({ MCP_SERVERS_FILE: mcpServersFile([everythingStdio()]) }));
  const admin = () => ctx.env.t.http();
  const orchestrate = (tools: string[]) =>
    ctx.env.t
      .http()
      .post('/api/orchestrate?wait=true')
      .set(auth(ctx.key))
      .send({ sessionId: ctx.sessionId, prompt: 'Add two numbers', strategy: 'route', models: MODELS, tools });

  it('should add a Streamable HTTP server, list its tools, test it and run with them', async () => {
    // The operator's servers are listed at start, before anything uses them.
    const listed = await eventually(
      () => admin().get('/api/mcp/servers').set(auth(ADMIN_KEY)).expect(200),
      (res) => (res.body as Json).items[0].health.listedAt !== null,
      'the file server to be listed at start',
    );
    expect((listed.body as Json).items[0].health).toMatchObject({ state: 'connected', lastError: null });
    expect((listed.body as Json).items[0]).toMatchObject({
      id: 'everything',
      transport: 'stdio',
      origin: 'file',
      command: process.execPath,
      enabled: true,
    });

    const created = await admin()
      .post('/api/mcp/servers')
      .set(auth(ADMIN_KEY))
      .send({ id: 'remote', name: 'Everything over HTTP', url: box.remote.url })
      .expect(201);
    expect(created.body).toMatchObject({
      id: 'remote',
      transport: 'http',
      origin: 'api',
      url: box.remote.url,
      enabled: true,
    });

    const detail = await admin().get('/api/mcp/servers/remote').set(auth(ADMIN_KEY)).expect(200);
    const names = ((detail.body as Json).tools as Json[]).map((t) => t.name as string);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect((detail.body as Json).health).toMatchObject({ state: 'connected', lastError: null });
    const sum = ((detail.body as Json).tools as Json[]).find((t) => t.name === 'get-sum') as Json;
    expect(sum.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
    });

    const tools = await admin().get('/api/mcp/servers/remote/tools').set(auth(ADMIN_KEY)).expect(200);
    expect((tools.body as Json).health).toMatchObject({ state: 'connected', lastError: null });
    expect(((tools.body as Json).items as Json[]).map((t) => t.name)).toEqual(names);
    const tested = await admin().post('/api/mcp/servers/remote/test').set(auth(ADMIN_KEY)).expect(200);
    expect(tested.body).toMatchObject({ ok: true, tools: names.length, error: null });

    const run = (await orchestrate(['remote/get-sum']).expect(200)).body as Json;
    expect(run.status).toBe('succeeded');
    const [call] = run.steps[0].toolCalls as Json[];
    const { a, b } = JSON.parse(call.arguments as string) as { a: number; b: number };
    expect(call).toMatchObject({
      tool: 'remote/get-sum',
      errorClass: null,
      result: `The sum of ${a} and ${b} is ${a + b}.`,
    });
  });

  it('should send header values from the named variable, and never show them', async () => {
    await admin()
      .post('/api/mcp/servers')
      .set(auth(ADMIN_KEY))
      .send({ id: 'counting', url: box.counting.url, headers: [{ name: 'X-Token', variable: 'ORX_TEST_MCP_TOKEN' }] })
      .expect(201);
    const tested = await admin().post('/api/mcp/servers/counting/test').set(auth(ADMIN_KEY)).expect(200);
    expect(tested.body).toMatchObject({ ok: true, tools: 4 });
    expect(box.counting.headers()['x-token']).toBe(TOKEN);
    const shown = await admin().get('/api/mcp/servers/counting').set(auth(ADMIN_KEY)).expect(200);
    expect((shown.body as Json).headers).toEqual([{ name: 'X-Token', variable: 'ORX_TEST_MCP_TOKEN' }]);
    expect(JSON.stringify(shown.body)).not.toContain(TOKEN);
    const audit = await admin().get('/api/audit?targetType=mcp_server').set(auth(ADMIN_KEY)).expect(200);
    expect(JSON.stringify(audit.body)).not.toContain(TOKEN);

    // A header value given instead of a variable's name is refused: the API never stores a secret.
    const refused = await admin()
      .post('/api/mcp/servers')
      .set(auth(ADMIN_KEY))
      .send({ id: 'leaky', url: box.counting.url, headers: [{ name: 'Authorization', variable: 'Bearer abc' }] })
      .expect(400);
    expect((refused.body as Json).message).toContain(
      'headers: each variable must name the environment variable holding the value',
    );
  });

  it('should refuse bad servers, user keys and changes to the operator’s servers', async () => {
    const post = (body: Json, key = ADMIN_KEY) => admin().post('/api/mcp/servers').set(auth(key)).send(body);
    expect(((await post({ id: 'Bad Id', url: box.remote.url }).expect(400)).body as Json).message).toMatch(
      /^id must be/,
    );
    expect(((await post({ id: 'x', url: 'file:///etc/passwd' }).expect(400)).body as Json).message).toMatch(
      /url must be/,
    );
    expect(((await post({ id: 'x', url: box.remote.url, command: 'rm' }).expect(400)).body as Json).message).toMatch(
      /property command should not exist/,
    );
    expect(((await post({ id: 'remote', url: box.remote.url }).expect(409)).body as Json).message).toBe(
      'MCP server remote exists',
    );
    expect(((await post({ id: 'everything', url: box.remote.url }).expect(409)).body as Json).message).toMatch(
      /MCP_SERVERS_FILE/,
    );
    await post({ id: 'mine', url: box.remote.url }, ctx.key).expect(403);
    await admin().get('/api/mcp/servers').set(auth(ctx.key)).expect(403);
    await admin().patch('/api/mcp/servers/everything').set(auth(ADMIN_KEY)).send({ enabled: false }).expect(409);
    await admin().delete('/api/mcp/servers/everything').set(auth(ADMIN_KEY)).expect(409);
    await admin().get('/api/mcp/servers/nowhere').set(auth(ADMIN_KEY)).expect(404);
  });

  it('should refuse runs on a disabled or removed server, and say when a server cannot be reached', async () => {
    await admin().patch('/api/mcp/servers/remote').set(auth(ADMIN_KEY)).send({ enabled: false }).expect(200);
    expect(((await orchestrate(['remote/echo']).expect(400)).body as Json).message).toBe(
      'tools: MCP server remote is disabled',
    );
    await admin().post('/api/mcp/servers/remote/test').set(auth(ADMIN_KEY)).expect(409);
    await admin().delete('/api/mcp/servers/remote').set(auth(ADMIN_KEY)).expect(204);
    expect(((await orchestrate(['remote/echo']).expect(400)).body as Json).message).toMatch(/no MCP server remote/);

    const nobody = `http://127.0.0.1:${await freePort()}/mcp`;
    await admin().post('/api/mcp/servers').set(auth(ADMIN_KEY)).send({ id: 'down', url: nobody }).expect(201);
    const tested = await admin().post('/api/mcp/servers/down/test').set(auth(ADMIN_KEY)).expect(200);
    expect(tested.body).toMatchObject({ ok: false, tools: 0, error: expect.stringMatching(/MCP server down/) });
    // Its tools: none, and its health says why.
    const tools = await admin().get('/api/mcp/servers/down/tools').set(auth(ADMIN_KEY)).expect(200);
    expect(tools.body).toMatchObject({
      items: [],
      health: { state: 'failed', lastError: expect.stringMatching(/fetch failed|ECONNREFUSED/) },
    });
    // A change that changes nothing is refused.
    expect(
      ((await admin().patch('/api/mcp/servers/down').set(auth(ADMIN_KEY)).send({}).expect(400)).body as Json).message,
    ).toMatch(/changes nothing/);
    expect(((await orchestrate(['down']).expect(503)).body as Json).message).toMatch(
      /^MCP server down cannot be reached to list its tools/,
    );
  });
});
