import { UpstreamSimulator } from '../simulator/simulator.js';
import { freshDatabaseUri } from './support/app.js';
import { buildDist, clusterEnvironment, NodeProcess, RedisProcess } from './support/cluster.js';
import { call, until } from './support/http.js';
import { mcpServersFile, startCountingServer } from './support/mcp.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The distributed mode with a tool: a worker SIGKILLed right after a tool's result was stored,
 * and the worker that takes the run over reusing it instead of calling the tool again.
 */
describe('MCP tools in a cluster: no tool runs twice', () => {
  let redis: RedisProcess;
  let sim: UpstreamSimulator;
  let counting: Awaited<ReturnType<typeof startCountingServer>>;
  let api: NodeProcess;
  const workers: NodeProcess[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    buildDist();
    [redis, counting] = await Promise.all([RedisProcess.start(), startCountingServer()]);
    // Every model turn takes 2 s to start: time to kill the worker between a tool's result and the answer.
    sim = new UpstreamSimulator({ ttftMs: 2000 });
    env = {
      ...clusterEnvironment(await sim.listen(0), freshDatabaseUri(), redis.url),
      MCP_SERVERS_FILE: mcpServersFile([{ id: 'counting', url: counting.url }]),
    };
    api = await NodeProcess.api({ ...env, RUN_JOBS: 'false', WRITER_ID: 'api' });
    workers.push(await NodeProcess.worker({ ...env, WRITER_ID: 'worker-1' }));
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api, ...workers].filter(Boolean).map((p) => p.kill('SIGKILL')));
    await sim?.close();
    await counting?.stop();
    await redis?.stop();
  });

  it('should finish the run on another worker without calling the stored tool call again', async () => {
    const { body: session } = await call<{ id: string }>(api.url, '/api/sessions', { body: { title: 'tools' } });
    const started = await call<{ runId: string }>(api.url, '/api/orchestrate', {
      body: {
        sessionId: session.id,
        prompt: 'Count once',
        strategy: 'route',
        models: ['openai/gpt-5.4-mini'],
        tools: ['counting/count'],
      },
    });
    expect(started.status).toBe(202);
    const { runId } = started.body;
    const events = (await call<Json[]>(api.url, `/api/orchestrate/runs/${runId}/events?limit=1000`)).body;
    await until(
      'the tool result to be stored',
      async () => {
        const { body } = await call<Json[]>(api.url, `/api/orchestrate/runs/${runId}/events?limit=1000`);
        events.splice(0, events.length, ...body);
        return body.some((e) => e.type === 'step.tool_result') ? true : undefined;
      },
      30_000,
    );
    // The model's answer from the result is still 2 s away: the worker dies between the two.
    await workers[0].kill('SIGKILL');
    expect(events.some((e) => e.type === 'step.completed')).toBe(false);
    workers.push(await NodeProcess.worker({ ...env, WRITER_ID: 'worker-2' }));

    const run = await until(
      'the run to end on worker 2',
      async () => {
        const { body } = await call<Json>(api.url, `/api/orchestrate/runs/${runId}`);
        return body.status === 'queued' || body.status === 'running' ? undefined : body;
      },
      60_000,
    );
    expect(run.status).toBe('succeeded');
    // The tool was called once, by worker 1; worker 2 fed its stored result to the model.
    expect(counting.calls.count).toBe(1);
    const [step] = run.steps as Json[];
    expect(step.toolCalls).toHaveLength(1);
    expect(step.toolCalls[0]).toMatchObject({ tool: 'counting/count', errorClass: null });
    expect(step.toolCalls[0].result).toMatch(/^call 1 \(/);
    expect(step.text).toContain(`From the tool result: ${step.toolCalls[0].result as string}`);

    const all = await until(
      'the final event',
      async () => {
        const { body } = await call<Json[]>(api.url, `/api/orchestrate/runs/${runId}/events?limit=1000`);
        return body.at(-1)?.type === 'run.completed' ? body : undefined;
      },
      5000,
    );
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((e) => e.type === 'run.resumed')).toHaveLength(1);
    // One tool call and one result over both workers.
    expect(all.filter((e) => e.type === 'step.tool_call')).toHaveLength(1);
    expect(all.filter((e) => e.type === 'step.tool_result')).toHaveLength(1);
  }, 150_000);
});
