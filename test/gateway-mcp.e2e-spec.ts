import type OpenAI from 'openai';
import { ADMIN_KEY } from './support/app.js';
import { auth } from './support/factories.js';
import { everythingStdio, mcpServersFile } from './support/mcp.js';
import { specErrors, streamEventErrors } from './support/openai-spec.js';
import { startGateway } from './support/simulated.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ECHO = { type: 'mcp', server_label: 'everything', allowed_tools: ['echo'], require_approval: 'never' } as const;

/** OpenAI's remote MCP tool on /v1/responses, run by the gateway with the servers registered here. */
describe('/v1 with MCP tools', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway({ MCP_SERVERS_FILE: mcpServersFile([everythingStdio()]) });
  });
  afterEach(() => gateway.env.sim.reset());
  afterAll(() => gateway.env.close());

  const create = (body: Json) =>
    gateway.client.responses.create(body as OpenAI.Responses.ResponseCreateParamsNonStreaming);

  it.each(['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5'])(
    'should list the tools, call echo through MCP and answer from its result (%s, whole)',
    async (model) => {
      const response = (await create({ model, input: 'Say hello through echo', tools: [ECHO] })) as unknown as Json;
      expect(specErrors('Response', response)).toEqual([]);
      expect(response).toMatchObject({ object: 'response', status: 'completed', model });
      const [listed, call, message] = response.output as Json[];
      expect(response.output).toHaveLength(3);
      expect(listed).toMatchObject({ type: 'mcp_list_tools', server_label: 'everything', error: null });
      expect((listed.tools as Json[]).map((t) => t.name)).toEqual(['echo']);
      expect(listed.tools[0].input_schema).toMatchObject({
        type: 'object',
        properties: { message: { type: 'string' } },
      });
      const { message: said } = JSON.parse(call.arguments as string) as { message: string };
      expect(call).toMatchObject({
        type: 'mcp_call',
        server_label: 'everything',
        name: 'echo',
        output: `Echo: ${said}`,
        error: null,
        status: 'completed',
      });
      expect(message.type).toBe('message');
      expect(message.content[0].text).toContain(`From the tool result: Echo: ${said}`);
      // Two model turns (the call, then the answer), each priced: their tokens added up.
      expect(response.usage.input_tokens).toBeGreaterThan(0);
      expect(response.usage.output_tokens).toBeGreaterThan(0);
      expect(gateway.env.sim.getStats().requests[Object.keys(gateway.env.sim.getStats().requests)[0]]).toBe(2);
    },
  );

  it('should stream the MCP items and the answer as the Responses API’s events, through the openai SDK', async () => {
    const stream = await gateway.client.responses.create({
      model: 'openai/gpt-5.4-mini',
      input: 'Say hello through echo',
      tools: [ECHO],
      stream: true,
    } as unknown as OpenAI.Responses.ResponseCreateParamsStreaming);
    const events: Json[] = [];
    for await (const event of stream) events.push(event);
    for (const event of events) expect([event.type, streamEventErrors(event)]).toEqual([event.type, []]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((e) => e.type as string).filter((t) => t !== 'response.output_text.delta');
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.mcp_list_tools.in_progress',
      'response.mcp_list_tools.completed',
      'response.output_item.done',
      'response.output_item.added',
      'response.mcp_call.in_progress',
      'response.mcp_call_arguments.delta',
      'response.mcp_call_arguments.done',
      'response.mcp_call.completed',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const final = events.at(-1)!.response as Json;
    expect((final.output as Json[]).map((i) => i.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    const text = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta as string)
      .join('');
    expect(final.output[2].content[0].text).toBe(text);
    expect(text).toContain(`From the tool result: ${final.output[1].output as string}`);
  });

  it('should refuse what it cannot honour with a 400 naming the field, and tools the key may not use with a 403', async () => {
    const refused = async (tools: Json[], status: number, message: RegExp, client = gateway.client) => {
      const error = (await client.responses
        .create({
          model: 'openai/gpt-5.4-mini',
          input: 'x',
          tools,
        } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
        .catch((e: unknown) => e)) as { status: number; message: string };
      expect([error.status, error.message]).toEqual([status, expect.stringMatching(message)]);
    };
    await refused(
      [{ ...ECHO, server_url: 'https://mcp.example.com/mcp' }],
      400,
      /tools\[0\]\.server_url: this gateway calls only the MCP servers its operator registered/,
    );
    await refused(
      [{ type: 'mcp', server_label: 'everything' }],
      400,
      /tools\[0\]\.require_approval: approvals are not supported/,
    );
    await refused(
      [ECHO, { type: 'function', name: 'f', parameters: {} }],
      400,
      /tools\[1\]: only mcp tools may be given beside mcp tools/,
    );
    await refused([{ ...ECHO, server_label: 'nowhere' }], 400, /no MCP server nowhere/);
    await refused([{ ...ECHO, allowed_tools: ['teleport'] }], 400, /has no tool teleport/);

    const { body } = await gateway.env.t
      .http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'sums only', limits: { tools: ['everything/get-sum'] } })
      .expect(201);
    const { default: OpenAIClient } = await import('openai');
    const limited = new OpenAIClient({ apiKey: (body as Json).key as string, baseURL: gateway.baseURL, maxRetries: 0 });
    await refused([ECHO], 403, /may not use the tool 'everything\/echo' \(allowed: everything\/get-sum\)/, limited);
  });

  it('should give an orchestratex/* run the MCP tools of a chat request, and refuse function tools saying why', async () => {
    const completion = (await gateway.client.chat.completions.create({
      model: 'orchestratex/route',
      messages: [{ role: 'user', content: 'Say hello through echo' }],
      tools: [ECHO],
    } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)) as unknown as Json;
    const runId = completion.id.replace(/^chatcmpl-/, '') as string;
    const run = (await gateway.env.t.http().get(`/api/orchestrate/runs/${runId}`).set(auth(gateway.key)).expect(200))
      .body as Json;
    expect(run.options.tools).toEqual(['everything/echo']);
    const [call] = run.steps[0].toolCalls as Json[];
    expect(call).toMatchObject({ tool: 'everything/echo', errorClass: null });
    expect(completion.choices[0].message.content).toContain(`From the tool result: ${call.result as string}`);

    const error = (await gateway.client.chat.completions
      .create({
        model: 'orchestratex/route',
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      })
      .catch((e: unknown) => e)) as { status: number; message: string };
    expect(error.status).toBe(400);
    expect(error.message).toMatch(
      /tools: orchestratex\/\* models call only MCP tools registered here .* function tools would stop the team mid-run/,
    );
  });
});
