import { AnthropicToOpenAiStream, fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation.js';
import { OpenAiError } from './openai-error.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const refusal = (body: Json): string => {
  try {
    toAnthropicRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAiError);
    return (error as OpenAiError).message;
  }
  throw new Error('not refused');
};

describe('toAnthropicRequest', () => {
  it('should move system messages out, merge same-role turns and make tool results user turns', () => {
    const out = toAnthropicRequest({
      model: 'x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
        { role: 'user', content: 'Weather in Lima and Quito?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } },
            { id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Quito"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'c2', content: 'rain' },
        { role: 'user', content: 'Thanks; which is warmer?' },
      ],
      max_completion_tokens: 300,
      stop: 'END',
      user: 'u-1',
      store: true,
    });
    expect(out).toEqual({
      max_tokens: 300,
      system: 'Be brief.\n\nUse metric units.',
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Lima and Quito?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Lima' } },
            { type: 'tool_use', id: 'c2', name: 'get_weather', input: { city: 'Quito' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'c1', content: 'sunny' },
            { type: 'tool_result', tool_use_id: 'c2', content: 'rain' },
            { type: 'text', text: 'Thanks; which is warmer?' },
          ],
        },
      ],
    });
  });

  it('should translate tools, tool_choice, parallel_tool_calls, json_schema and reasoning_effort', () => {
    const parameters = { type: 'object', properties: { q: { type: 'string' } } };
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const out = toAnthropicRequest({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'search', description: 'Search', parameters } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } },
      reasoning_effort: 'minimal',
      stream: true,
    });
    expect(out).toMatchObject({
      stream: true,
      tools: [{ name: 'search', description: 'Search', input_schema: parameters }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      output_config: { format: { type: 'json_schema', schema }, effort: 'low' },
    });
    expect(toAnthropicRequest({ messages: [{ role: 'user', content: 'x' }], tool_choice: 'none' }).tool_choice).toEqual(
      {
        type: 'none',
      },
    );
    expect(
      toAnthropicRequest({
        messages: [{ role: 'user', content: 'x' }],
        tool_choice: { type: 'function', function: { name: 'search' } },
      }).tool_choice,
    ).toEqual({ type: 'tool', name: 'search' });
  });

  it('should send a data URL image inline and an https one by reference', () => {
    const out = toAnthropicRequest({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
          ],
        },
      ],
    });
    expect((out.messages as Json[])[0].content).toEqual([
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
    ]);
  });

  it('should refuse, naming it, what Anthropic cannot honour or what is malformed', () => {
    const messages = [{ role: 'user', content: 'x' }];
    expect(refusal({ messages, seed: 1 })).toContain('seed: Anthropic models cannot honour it');
    expect(refusal({ messages, logprobs: true })).toContain('logprobs');
    expect(refusal({ messages, temperature: 1.5 })).toContain('temperature: Anthropic models take 0 to 1');
    expect(refusal({ messages, frobnicate: 1 })).toContain('frobnicate: not a Chat Completions field');
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] })).toContain(
      'messages[0].content[0]: input_audio parts cannot be sent',
    );
    expect(
      refusal({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/a.png' } }] }] }),
    ).toContain('must be an https:// or data: URL');
    expect(
      refusal({
        messages: [{ role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{oops' } }] }],
      }),
    ).toContain('messages[0].tool_calls[0].function.arguments is not valid JSON');
    expect(refusal({ messages: [{ role: 'tool', content: 'r' }] })).toContain('messages[0].tool_call_id');
    expect(refusal({ messages, tools: [{ type: 'web_search' }] })).toContain('tools[0] must be a function tool');
  });
});

describe('Anthropic answers as Chat Completions', () => {
  it('should turn a whole message with tool_use into tool_calls and map the stop reason and usage', () => {
    const answer = fromAnthropicMessage(
      JSON.stringify({
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'cats' } }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 7 },
      }),
      'chatcmpl-1',
      'anthropic/claude-haiku-4-5',
    );
    expect(answer.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'search', arguments: '{"q":"cats"}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
    expect(answer.usage).toMatchObject({
      prompt_tokens: 15,
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: 5 },
    });
  });

  it('should stream text, then tool-call deltas by tool index, the finish reason, usage and [DONE]', () => {
    const stream = new AnthropicToOpenAiStream('chatcmpl-1', 'anthropic/m', true);
    const event = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}`;
    const lines = [
      event('message_start', { message: { usage: { input_tokens: 12, output_tokens: 1 } } }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me look.' } }),
      event('content_block_stop', { index: 0 }),
      event('content_block_start', {
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_9', name: 'search', input: {} },
      }),
      event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":' } }),
      event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"cats"}' } }),
      event('ping', {}),
      event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 20 } }),
      event('message_stop', {}),
    ].flatMap((e) => stream.push(e));
    expect(lines.at(-1)).toBe('data: [DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.slice(6)) as Json);
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Let me look.' },
      { tool_calls: [{ index: 0, id: 'toolu_9', type: 'function', function: { name: 'search', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"cats"}' } }] },
      {},
      null,
    ]);
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 20 } });
  });
});
