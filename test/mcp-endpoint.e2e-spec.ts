import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { auth } from './support/factories.js';
import { startGateway } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MEMBERS = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];

/** OrchestrateX as an MCP server, through the official SDK's client, as Claude Code would reach it. */
describe('/mcp: the strategies as MCP tools', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let origin: string;
  const clients: Client[] = [];
  beforeAll(async () => {
    gateway = await startGateway();
    origin = gateway.baseURL.replace(/\/v1$/, '');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway.env.close();
  });

  const connect = async (key: string) => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: auth(key) },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  it('should list a tool per strategy with the options it reads, and the model and run tools', async () => {
    const client = await connect(gateway.key);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        ...['route', 'improve', 'ensemble', 'cascade', 'compare', 'council', 'debate'].map((s) => `orchestrate_${s}`),
        'list_models',
        'get_run',
      ].sort(),
    );
    const council = tools.find((t) => t.name === 'orchestrate_council') as Json;
    expect(council.inputSchema.required).toEqual(['prompt']);
    expect(Object.keys(council.inputSchema.properties)).toEqual(
      expect.arrayContaining(['prompt', 'sessionId', 'models', 'proposers', 'selfRecusal', 'seed', 'tools']),
    );
    // A council does not loop: the options of those that do are not its inputs.
    expect(council.inputSchema.properties.maxIterations).toBeUndefined();
    const improve = tools.find((t) => t.name === 'orchestrate_improve') as Json;
    expect(improve.inputSchema.properties.maxIterations).toMatchObject({ type: 'integer', minimum: 1, maximum: 10 });
  });

  it('should run a council, sending progress notifications before the answer and its provenance', async () => {
    const client = await connect(gateway.key);
    const progress: Progress[] = [];
    let answeredAfter = -1;
    const result = (await client
      .callTool(
        {
          name: 'orchestrate_council',
          arguments: { prompt: 'What makes a good city park?', models: MEMBERS, seed: 'mcp-1' },
        },
        undefined,
        { onprogress: (p) => progress.push(p) },
      )
      .then((r) => {
        answeredAfter = progress.length;
        return r;
      })) as Json;
    expect(result.isError).toBe(false);
    expect(answeredAfter).toBeGreaterThan(0);
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
    const messages = progress.map((p) => p.message as string);
    expect(messages[0]).toMatch(/^Domain: /);
    expect(messages.filter((m) => /^proposer .* succeeded/.test(m))).toHaveLength(3);
    expect(messages.some((m) => m.startsWith('chairman '))).toBe(true);
    expect(messages.at(-1)).toBe('Run completed');

    const data = result.structuredContent as Json;
    expect(data).toMatchObject({ status: 'succeeded', strategy: 'council', calls: 7 });
    expect([...(data.models as string[])].sort()).toEqual([...MEMBERS].sort());
    expect(data.costUsd).toBeGreaterThan(0);
    // The answer is the run's, as the REST API tells it.
    const run = (
      await gateway.env.t
        .http()
        .get(`/api/orchestrate/runs/${data.runId as string}`)
        .set(auth(gateway.key))
        .expect(200)
    ).body as Json;
    expect(result.content).toEqual([{ type: 'text', text: run.answer }]);
    expect(data.answer).toBe(run.answer);
    expect(run.options).toMatchObject({ seed: 'mcp-1' });

    const again = (await client.callTool({ name: 'get_run', arguments: { runId: data.runId } })) as Json;
    expect(again.structuredContent).toEqual(data);
  });

  it('should list models, and answer a bad option or an unknown run as the tool’s error', async () => {
    const client = await connect(gateway.key);
    const models = (await client.callTool({ name: 'list_models', arguments: { available: true } })) as Json;
    expect((models.structuredContent.models as Json[]).map((m) => m.id)).toEqual(expect.arrayContaining(MEMBERS));

    const refused = (await client.callTool({
      name: 'orchestrate_council',
      arguments: { prompt: 'x', maxIterations: 2 },
    })) as Json;
    expect(refused).toMatchObject({ isError: true });
    expect(refused.content[0].text).toMatch(
      /^400: maxIterations: not an input of orchestrate_council \(it takes prompt, sessionId, /,
    );
    const missing = (await client.callTool({
      name: 'get_run',
      arguments: { runId: '665f1c2e8b3e4a0012345678' },
    })) as Json;
    expect(missing.content[0].text).toBe('404: run 665f1c2e8b3e4a0012345678 not found');
  });

  it('should refuse a wrong key before the session starts, and GET as a stateless server', async () => {
    await expect(connect('orx_not_a_key')).rejects.toThrow(/401|Invalid or revoked API key/);
    const get = await fetch(`${origin}/mcp`, { headers: auth(gateway.key) });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});
