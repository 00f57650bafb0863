import { ANTHROPIC_DEFAULT_MAX_TOKENS } from '../providers/adapters/anthropic.adapter.js';
import { sseData } from '../providers/adapters/sdk-errors.js';
import { OpenAiError } from './openai-error.js';
import { asksForNothing, isRecord, type Json } from './wire-json.js';

const bad = (param: string, message: string) => new OpenAiError(400, message, { param, code: 'invalid_value' });

/** Chat Completions fields that change the answer and that Anthropic's Messages API has no way to honour. */
const UNHONOURED = [
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'modalities',
  'audio',
  'prediction',
  'web_search_options',
  'verbosity',
];
/** Fields that do not change the answer (OpenAI's storage and billing options): not sent on. */
const IGNORED = ['store', 'metadata', 'service_tier', 'stream_options', 'fallbacks', 'n'];
const TRANSLATED = [
  'model',
  'messages',
  'stream',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'user',
];

const STOP_REASON: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

function textOfParts(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw bad(`${at}.content`, `${at}.content must be a string or an array of parts`);
  return content
    .map((p: unknown, i) => {
      if (isRecord(p) && p.type === 'text' && typeof p.text === 'string') return p.text;
      throw bad(`${at}.content[${i}]`, `${at}.content[${i}]: only text parts are allowed here`);
    })
    .join('');
}

/** An `image_url` part as an Anthropic image block: a data URL inline (base64), an https URL by reference. */
function imageBlock(part: Json, at: string): Json {
  const url = isRecord(part.image_url) ? part.image_url.url : undefined;
  if (typeof url !== 'string') throw bad(`${at}.image_url.url`, `${at}.image_url.url must be a string`);
  const data = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)$/.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2].replace(/\s/g, '') } };
  if (url.startsWith('data:')) {
    throw bad(`${at}.image_url.url`, `${at}.image_url.url: a data URL must be base64 PNG, JPEG, GIF or WebP`);
  }
  if (!/^https:\/\//.test(url))
    throw bad(`${at}.image_url.url`, `${at}.image_url.url must be an https:// or data: URL`);
  return { type: 'image', source: { type: 'url', url } };
}

function userBlocks(content: unknown, at: string): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw bad(`${at}.content`, `${at}.content must be a string or an array of parts`);
  return content.map((p: unknown, i) => {
    const where = `${at}.content[${i}]`;
    if (isRecord(p) && p.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
    if (isRecord(p) && p.type === 'image_url') return imageBlock(p, where);
    throw bad(where, `${where}: ${String(isRecord(p) ? p.type : p)} parts cannot be sent to an Anthropic model`);
  });
}

function assistantBlocks(m: Json, at: string): Json[] {
  const blocks: Json[] = [];
  const text = textOfParts(m.content, at);
  if (text !== '') blocks.push({ type: 'text', text });
  const calls = m.tool_calls;
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw bad(`${at}.tool_calls`, `${at}.tool_calls must be an array`);
    calls.forEach((c: unknown, j) => {
      const where = `${at}.tool_calls[${j}]`;
      const fn = isRecord(c) && isRecord(c.function) ? c.function : undefined;
      if (!isRecord(c) || typeof c.id !== 'string' || fn === undefined || typeof fn.name !== 'string') {
        throw bad(where, `${where} must have an id and a function with a name`);
      }
      let input: unknown;
      try {
        input = JSON.parse(typeof fn.arguments === 'string' && fn.arguments !== '' ? fn.arguments : '{}');
      } catch {
        throw bad(`${where}.function.arguments`, `${where}.function.arguments is not valid JSON`);
      }
      blocks.push({ type: 'tool_use', id: c.id, name: fn.name, input });
    });
  }
  return blocks;
}

/** OpenAI messages as Anthropic's: system apart, tool results in user turns, same-role turns merged. */
function messagesOf(messages: unknown): { system: string[]; turns: { role: string; content: Json[] }[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw bad('messages', 'messages must be a non-empty array');
  const system: string[] = [];
  const turns: { role: string; content: Json[] }[] = [];
  const add = (role: string, content: Json[]) => {
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  messages.forEach((raw: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isRecord(raw)) throw bad(at, `${at} must be an object`);
    switch (raw.role) {
      case 'system':
      case 'developer':
        system.push(textOfParts(raw.content, at));
        return;
      case 'user':
        return add('user', userBlocks(raw.content, at));
      case 'assistant':
        return add('assistant', assistantBlocks(raw, at));
      case 'tool':
        if (typeof raw.tool_call_id !== 'string')
          throw bad(`${at}.tool_call_id`, `${at}.tool_call_id must be a string`);
        return add('user', [
          { type: 'tool_result', tool_use_id: raw.tool_call_id, content: textOfParts(raw.content, at) },
        ]);
      default:
        throw bad(`${at}.role`, `${at}.role must be one of system, developer, user, assistant, tool`);
    }
  });
  return { system, turns };
}

function toolsOf(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw bad('tools', 'tools must be an array');
  return tools.map((t: unknown, i) => {
    const fn = isRecord(t) && t.type === 'function' && isRecord(t.function) ? t.function : undefined;
    if (fn === undefined || typeof fn.name !== 'string') {
      throw bad(`tools[${i}]`, `tools[${i}] must be a function tool with a name (the only kind Anthropic models take)`);
    }
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      input_schema: isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
  });
}

function toolChoiceOf(choice: unknown, parallel: unknown): Json | undefined {
  const single = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return parallel === false ? { type: 'auto', ...single } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...single };
  if (choice === 'required') return { type: 'any', ...single };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { type: 'tool', name: choice.function.name, ...single };
  }
  throw bad('tool_choice', 'tool_choice must be none, auto, required or {type: "function", function: {name}}');
}

/**
 * A Chat Completions body as a Messages body for an Anthropic model. A field that would change
 * the answer and has no Anthropic counterpart is a 400 naming it; so is a field we do not know.
 */
export function toAnthropicRequest(body: Json): Json {
  for (const field of Object.keys(body)) {
    if (UNHONOURED.includes(field)) {
      if (asksForNothing(field, body[field])) continue;
      throw bad(field, `${field}: Anthropic models cannot honour it; leave it out for this model`);
    }
    if (!IGNORED.includes(field) && !TRANSLATED.includes(field)) {
      throw bad(field, `${field}: not a Chat Completions field this gateway knows`);
    }
  }
  const { system, turns } = messagesOf(body.messages);
  const out: Json = {
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: turns,
  };
  if (body.stream === true) out.stream = true;
  if (typeof body.temperature === 'number') {
    if (body.temperature > 1) throw bad('temperature', 'temperature: Anthropic models take 0 to 1');
    out.temperature = body.temperature;
  }
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (body.stop !== undefined && body.stop !== null) {
    out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  }
  if (body.tools !== undefined && body.tools !== null) out.tools = toolsOf(body.tools);
  const choice = toolChoiceOf(body.tool_choice, body.parallel_tool_calls);
  if (choice !== undefined) out.tool_choice = choice;
  const output: Json = {};
  const format = isRecord(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_schema') {
    const spec = isRecord(format.json_schema) ? format.json_schema : {};
    if (!isRecord(spec.schema))
      throw bad('response_format.json_schema.schema', 'response_format.json_schema.schema is required');
    output.format = { type: 'json_schema', schema: spec.schema };
  } else if (format?.type === 'json_object') {
    system.push('Respond with JSON only: a single JSON object, no prose around it.');
  } else if (format !== undefined && format.type !== 'text') {
    throw bad('response_format', 'response_format.type must be text, json_object or json_schema');
  }
  if (typeof body.reasoning_effort === 'string') {
    output.effort = body.reasoning_effort === 'minimal' ? 'low' : body.reasoning_effort;
  }
  if (Object.keys(output).length > 0) out.output_config = output;
  if (system.length > 0) out.system = system.join('\n\n');
  if (typeof body.user === 'string' && body.user !== '') out.metadata = { user_id: body.user };
  return out;
}

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

function openAiUsage(u: AnthropicUsage): Json {
  const cached = u.cache_read_input_tokens ?? 0;
  const input = (u.input_tokens ?? 0) + cached + (u.cache_creation_input_tokens ?? 0);
  const output = u.output_tokens ?? 0;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** An Anthropic message as a whole Chat Completions answer. */
export function fromAnthropicMessage(text: string, id: string, model: string): Json {
  const message = JSON.parse(text) as { content?: Json[]; stop_reason?: string; usage?: AnthropicUsage };
  const blocks = message.content ?? [];
  const calls = blocks
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }));
  const content = blocks
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text))
    .join('');
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: calls.length > 0 && content === '' ? null : content,
          refusal: null,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
        logprobs: null,
        finish_reason: STOP_REASON[message.stop_reason ?? ''] ?? 'stop',
      },
    ],
    usage: openAiUsage(message.usage ?? {}),
  };
}

/**
 * Anthropic's stream events as Chat Completions chunks: text deltas as `content`, each `tool_use`
 * block as a tool call (its `input_json_delta`s as argument pieces), the stop reason as
 * `finish_reason`, and the usage chunk when the client asked for it.
 */
export class AnthropicToOpenAiStream {
  private readonly created = Math.floor(Date.now() / 1000);
  private usage: AnthropicUsage = {};
  private finish = 'stop';
  /** Anthropic content block index → tool call index. */
  private readonly tools = new Map<number, number>();

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  /** The chunks (already `data: …` lines) one Anthropic event turns into. */
  push(event: string): string[] {
    let data: Json;
    try {
      data = JSON.parse(sseData(event)) as Json;
    } catch {
      return [];
    }
    const delta = isRecord(data.delta) ? data.delta : {};
    switch (data.type) {
      case 'message_start': {
        const message = isRecord(data.message) ? data.message : {};
        this.usage = { ...(message.usage as AnthropicUsage) };
        return [this.chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start': {
        const block = isRecord(data.content_block) ? data.content_block : {};
        if (block.type !== 'tool_use') return [];
        const index = this.tools.size;
        this.tools.set(Number(data.index), index);
        return [
          this.chunk({
            tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
          }),
        ];
      }
      case 'content_block_delta':
        if (delta.type === 'text_delta') return [this.chunk({ content: delta.text })];
        if (delta.type === 'input_json_delta') {
          const index = this.tools.get(Number(data.index)) ?? 0;
          return [this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
        }
        return [];
      case 'message_delta':
        this.finish = STOP_REASON[String(delta.stop_reason)] ?? 'stop';
        this.usage = { ...this.usage, ...(data.usage as AnthropicUsage) };
        return [];
      case 'message_stop':
        return [
          this.chunk({}, this.finish),
          ...(this.includeUsage ? [this.line({ ...this.base(), choices: [], usage: openAiUsage(this.usage) })] : []),
          'data: [DONE]',
        ];
      case 'error': {
        const error = isRecord(data.error) ? data.error : {};
        return [this.line({ error: { message: error.message, type: error.type, param: null, code: null } })];
      }
      default:
        return [];
    }
  }

  private base(): Json {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(delta: Json, finish: string | null = null): string {
    return this.line({ ...this.base(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  }

  private line(data: Json): string {
    return `data: ${JSON.stringify(data)}`;
  }
}
