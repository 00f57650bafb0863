import { fromOpenAiCompletion, OpenAiToAnthropicStream, toOpenAiRequest } from './messages-translation.js';

describe('toOpenAiRequest (Messages → Chat Completions)', () => {
  it('should map system, tools, tool choice, tool use and results, images, stops, user and schema', () => {
    const body = toOpenAiRequest({
      model: 'openai/gpt-5.4-mini',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.' }],
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
      tools: [{ name: 'f', description: 'd', input_schema: { type: 'object', properties: { a: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      messages: [
        {
          role: 'user',
          content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: 'x' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
            { type: 'text', text: 'and now?' },
          ],
        },
      ],
    });
    expect(body).toEqual({
      max_tokens: 100,
      stop: ['END'],
      user: 'u1',
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            description: 'd',
            parameters: { type: 'object', properties: { a: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'output', schema: { type: 'object' }, strict: true },
      },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":"x"}' } }],
        },
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'and now?' }] },
      ],
    });
  });

  it('should refuse with a 400 naming it what Chat Completions cannot honour or what it does not know', () => {
    const base = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
    expect(() => toOpenAiRequest({ ...base, top_k: 3 })).toThrow(/^top_k: /);
    expect(() => toOpenAiRequest({ ...base, thinking: { type: 'enabled', budget_tokens: 1024 } })).toThrow(
      /^thinking: /,
    );
    expect(() => toOpenAiRequest({ ...base, frobnicate: 1 })).toThrow(/^frobnicate: not a Messages field/);
    expect(() =>
      toOpenAiRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }),
    ).toThrow(/^messages\[0\]\.content\[0\]: document blocks/);
  });
});

describe('Chat Completions answers as Messages answers', () => {
  it('should turn a whole completion with a tool call into a message', () => {
    const message = fromOpenAiCompletion(
      JSON.stringify({
        choices: [
          {
            message: {
              content: null,
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } },
      }),
      'msg_1',
      'openai/x',
    );
    expect(message).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'openai/x',
      content: [{ type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 8, output_tokens: 4, cache_read_input_tokens: 2, cache_creation_input_tokens: 0 },
    });
  });

  it('should turn a stream into message_start, blocks, message_delta with the usage that followed, message_stop', () => {
    const stream = new OpenAiToAnthropicStream('msg_1', 'openai/x');
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}`;
    const events = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } })}`,
      'data: [DONE]',
    ].flatMap((e) => stream.push(e));
    const parsed = events.map((e) => JSON.parse(e.split('\ndata: ')[1]) as { type: string; [k: string]: unknown });
    expect(parsed.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(parsed[5]).toMatchObject({ index: 1, content_block: { type: 'tool_use', id: 'c1', name: 'f' } });
    expect(parsed[9]).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { input_tokens: 5, output_tokens: 3 },
    });
    expect(events[0].startsWith('event: message_start\n')).toBe(true);
  });
});
