import { useSimulatedSession } from './support/simulated.js';
import { auth, createSession } from './support/factories.js';
import { eventually } from './support/http.js';
import { ADMIN_KEY } from './support/app.js';
import { everythingStdio, mcpServersFile, startCountingServer } from './support/mcp.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WRITER_AND_JUDGE = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5'];
const MEMBERS = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];

describe('MCP tools inside runs', () => {
  const box = {} as { counting: Awaited<ReturnType<typeof startCountingServer>> };
  beforeAll(async () => {
    box.counting = await startCountingServer();
  });
  afterAll(() => box.counting.stop());
  const ctx = useSimulatedSession(() => ({
    MCP_SERVERS_FILE: mcpServersFile([everythingStdio(), { id: 'counting', url: box.counting.url }]),
    MCP_TOOL_TIMEOUT_MS: '1500',
    MCP_RESULT_MAX_CHARS: '200',
  }));

  const post = (body: Json, key = ctx.key) =>
    ctx.env.t
      .http()
      .post('/api/orchestrate?wait=true')
      .set(auth(key))
      .send({ sessionId: ctx.sessionId, ...body });
  const run = async (body: Json): Promise<Json> => (await post(body).expect(200)).body as Json;
  const eventsOf = async (runId: string): Promise<Json[]> =>
    (await ctx.env.t.http().get(`/api/orchestrate/runs/${runId}/events`).set(auth(ctx.key)).expect(200)).body as Json[];

  it('should have an improve run’s writer call a tool over stdio and answer from its result, judges seeing the call', async () => {
    const r = await run({
      prompt: 'Say hello through the echo tool',
      strategy: 'improve',
      models: WRITER_AND_JUDGE,
      maxIterations: 1,
      tools: ['everything/echo'],
    });
    expect(r).toMatchObject({ status: 'succeeded' });
    expect(r.options).toMatchObject({ tools: ['everything/echo'], maxToolCalls: 8, judgeTools: false });
    const primary = (r.steps as Json[]).find((s) => s.role === 'primary') as Json;
    expect(primary.toolCalls).toHaveLength(1);
    const [call] = primary.toolCalls as Json[];
    expect(call).toMatchObject({ tool: 'everything/echo', turn: 1, errorClass: null, truncated: false });
    const { message } = JSON.parse(call.arguments as string) as { message: string };
    // server-everything's echo answers "Echo: <message>", and the model answers from it.
    expect(call.result).toBe(`Echo: ${message}`);
    expect(primary.text).toContain(`From the tool result: Echo: ${message}`);

    const evaluator = (r.steps as Json[]).find((s) => s.role === 'evaluator') as Json;
    expect(evaluator.toolCalls).toEqual([]);
    const judged = (evaluator.prompt.messages as Json[]).map((m) => m.content as string).join('\n');
    expect(judged).toContain(`everything/echo(${call.arguments as string}) → Echo: ${message}`);

    const events = await eventsOf(r.id as string);
    const types = events
      .filter((e) => e.data?.stepId === primary.stepId || e.data?.step?.stepId === primary.stepId)
      .map((e) => e.type as string);
    expect(types.filter((t) => t !== 'step.delta')).toEqual([
      'step.started',
      'step.tool_call',
      'step.tool_result',
      'step.completed',
    ]);
    const result = events.find((e) => e.type === 'step.tool_result') as Json;
    expect(result.data).toMatchObject({
      stepId: primary.stepId,
      tool: 'everything/echo',
      result: `Echo: ${message}`,
      errorClass: null,
    });
    const completed = events.find((e) => e.type === 'step.completed' && e.data.step.stepId === primary.stepId) as Json;
    expect(completed.data.step.toolCalls).toBe(1);
  });

  it('should give judges the tools with judgeTools, their verdict read after their calls', async () => {
    const r = await run({
      prompt: 'Say hello through the echo tool',
      strategy: 'improve',
      models: WRITER_AND_JUDGE,
      maxIterations: 1,
      tools: ['everything/echo'],
      judgeTools: true,
    });
    expect(r.status).toBe('succeeded');
    const evaluator = (r.steps as Json[]).find((s) => s.role === 'evaluator') as Json;
    expect(evaluator.toolCalls).toHaveLength(1);
    expect(evaluator.toolCalls[0]).toMatchObject({ tool: 'everything/echo', errorClass: null });
    expect(evaluator.evaluation.score).toEqual(expect.any(Number));
  });

  it('should have each council member call a tool, and the chairman see their calls', async () => {
    const before = box.counting.calls.count ?? 0;
    const r = await run({ prompt: 'Count for me', strategy: 'council', models: MEMBERS, tools: ['counting/count'] });
    expect(r.status).toBe('succeeded');
    const members = (r.steps as Json[]).filter((s) => s.role === 'proposer');
    expect(members).toHaveLength(3);
    for (const m of members) {
      expect(m.toolCalls).toHaveLength(1);
      expect(m.toolCalls[0]).toMatchObject({ tool: 'counting/count', errorClass: null });
      expect(m.text).toContain(`From the tool result: ${m.toolCalls[0].result as string}`);
    }
    // Each member's call reached the server once.
    expect((box.counting.calls.count ?? 0) - before).toBe(3);
    const chairman = (r.steps as Json[]).find((s) => s.role === 'chairman') as Json;
    expect(chairman.toolCalls).toEqual([]);
    const shown = (chairman.prompt.messages as Json[]).map((m) => m.content as string).join('\n');
    for (const m of members) expect(shown).toContain(m.toolCalls[0].result);
  });

  it('should show a failing tool and a hanging tool to the model as errors, and the run still answer', async () => {
    const failed = await run({
      prompt: 'Try the failing tool',
      strategy: 'route',
      models: WRITER_AND_JUDGE,
      tools: ['counting/fail'],
    });
    expect(failed.status).toBe('succeeded');
    const [fail] = (failed.steps as Json[])[0].toolCalls as Json[];
    expect(fail).toMatchObject({ tool: 'counting/fail', errorClass: 'tool_error', result: 'the disk is on fire' });
    expect((failed.steps as Json[])[0].text).toContain('From the tool result: the disk is on fire');

    const hung = await run({
      prompt: 'Try the sleeping tool',
      strategy: 'route',
      models: WRITER_AND_JUDGE,
      tools: ['counting/sleep'],
    });
    expect(hung.status).toBe('succeeded');
    const [sleep] = (hung.steps as Json[])[0].toolCalls as Json[];
    expect(sleep).toMatchObject({
      tool: 'counting/sleep',
      errorClass: 'timeout',
      result: 'The tool did not answer within 1500 ms',
    });
  });

  it('should cut a long result at MCP_RESULT_MAX_CHARS and say so to the model', async () => {
    const r = await run({
      prompt: 'Read the long one',
      strategy: 'route',
      models: WRITER_AND_JUDGE,
      tools: ['counting/long'],
    });
    const [call] = (r.steps as Json[])[0].toolCalls as Json[];
    expect(call).toMatchObject({ tool: 'counting/long', errorClass: null, truncated: true });
    expect(call.result).toBe(`${'x'.repeat(200)}\n[result cut at 200 of 5000 characters]`);
  });

  it('should stop offering tools once maxToolCalls is reached and have the model answer from what it has', async () => {
    ctx.env.sim.configure('*', { toolRounds: 5 });
    const r = await run({
      prompt: 'Keep echoing',
      strategy: 'route',
      models: WRITER_AND_JUDGE,
      tools: ['everything'],
      maxToolCalls: 2,
    });
    expect(r.status).toBe('succeeded');
    const step = (r.steps as Json[])[0];
    expect((step.toolCalls as Json[]).map((c) => c.turn)).toEqual([1, 2]);
    expect(step.text).toContain('From the tool result:');
    const events = await eventsOf(r.id as string);
    expect(events.filter((e) => e.type === 'step.tool_result')).toHaveLength(2);
    // Three model turns: two that called a tool, and the answer.
    expect(r.totals.calls).toBe(3);
  });

  it('should count each tool’s calls, errors by class and durations in analytics', async () => {
    const read = async () =>
      ((await ctx.env.t.http().get('/api/analytics/tools').set(auth(ctx.key)).expect(200)).body as Json)
        .tools as Json[];
    // The runs above: echo in improve (writer; writer and judge) and twice under maxToolCalls, a count per council member, one fail, one sleep.
    const tools = await eventually(
      read,
      (rows) => rows.reduce((n, r) => n + (r.calls as number), 0) === 11,
      'the tool rollups to be written',
    );
    const row = (tool: string) => tools.find((t) => t.tool === tool) as Json;
    expect(row('everything/echo')).toMatchObject({ calls: 5, errors: 0, errorsByClass: {} });
    expect(row('counting/count')).toMatchObject({ calls: 3, errors: 0 });
    expect(row('counting/fail')).toMatchObject({ calls: 1, errors: 1, errorRate: 1, errorsByClass: { tool_error: 1 } });
    expect(row('counting/sleep')).toMatchObject({ calls: 1, errors: 1, errorsByClass: { timeout: 1 } });
    expect(row('everything/echo').durationMs.p50).not.toBeNull();
  });

  it('should refuse unknown servers and tools (400), and tools the key may not use (403)', async () => {
    const bad = async (body: Json, status: number, message: RegExp, key = ctx.key) => {
      const sessionId = key === ctx.key ? ctx.sessionId : (await createSession(ctx.env.t, key)).id;
      const response = await post({ prompt: 'x', strategy: 'route', sessionId, ...body }, key).expect(status);
      expect((response.body as Json).message).toMatch(message);
    };
    await bad({ tools: ['nowhere'] }, 400, /no MCP server nowhere/);
    await bad({ tools: ['everything/teleport'] }, 400, /MCP server everything has no tool teleport \(it has: .*echo/);
    await bad({ tools: ['Everything!'] }, 400, /tools: each must be an MCP server id/);
    await bad({ maxToolCalls: 3 }, 400, /maxToolCalls: only with tools/);
    await bad({ tools: ['everything/echo'], maxToolCalls: 33 }, 400, /maxToolCalls/);

    const created = await ctx.env.t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'echo only', limits: { tools: ['everything/echo'] } })
      .expect(201);
    const limited = (created.body as Json).key as string;
    await bad(
      { tools: ['counting/count'] },
      403,
      /may not use the tool 'counting\/count' \(allowed: everything\/echo\)/,
      limited,
    );
    // A whole server is all its tools: refused unless each is allowed.
    await bad({ tools: ['everything'] }, 403, /may not use the tool 'everything\//, limited);
  });
});
