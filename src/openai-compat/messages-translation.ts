import { sseData } from '../providers/adapters/sdk-errors.js';
import { badField, checkFields, isRecord, readChunk, readCompletion, type ChatUsage, type Json } from './wire-json.js';

/**
 * Anthropic's Messages API in front of OpenAI-compatible models: a Messages request as a Chat
 * Completions body, and the answer (whole or streamed) back as a Messages answer. The reverse of
 * `anthropic-translation.ts`.
 */

const bad = badField;

/** Messages fields that change the answer and that Chat Completions has no way to honour. */
const UNHONOURED = ['top_k', 'thinking', 'container', 'mcp_servers', 'context_management'];
/** Fields that do not change the answer: not sent on. */
const IGNORED = ['service_tier'];
const TRANSLATED = [
  'model',
  'messages',
  'system',
  'max_tokens',
  'stream',
  'temperature',
  'top_p',
  'stop_sequences',
  'tools',
  'tool_choice',
  'metadata',
  'output_config',
];

const FINISH_TO_STOP: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

function textOf(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw bad(at, 'must be a string or an array of text blocks');
  return content
    .map((b: unknown, i) => {
      if (isRecord(b) && b.type === 'text' && typeof b.text === 'string') return b.text;
      throw bad(`${at}[${i}]`, 'only text blocks are allowed here');
    })
    .join('');
}

function imagePart(block: Json, at: string): Json {
  const source = isRecord(block.source) ? block.source : {};
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string')
    return { type: 'image_url', image_url: { url: source.url } };
  throw bad(`${at}.source`, 'an image source must be base64 (media_type, data) or a url');
}

/** One Anthropic message as Chat Completions messages (tool results become `tool` messages). */
function messagesOf(raw: unknown, at: string): Json[] {
  if (!isRecord(raw)) throw bad(at, 'must be an object');
  const { role, content } = raw;
  if (role !== 'user' && role !== 'assistant') throw bad(`${at}.role`, 'must be user or assistant');
  if (typeof content === 'string') return [{ role, content }];
  if (!Array.isArray(content)) throw bad(`${at}.content`, 'must be a string or an array of content blocks');
  const parts: Json[] = [];
  const calls: Json[] = [];
  const results: Json[] = [];
  content.forEach((block: unknown, i) => {
    const where = `${at}.content[${i}]`;
    if (!isRecord(block)) throw bad(where, 'must be a content block');
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') throw bad(`${where}.text`, 'must be a string');
        parts.push({ type: 'text', text: block.text });
        return;
      case 'image':
        if (role !== 'user') throw bad(where, 'images go in user messages');
        parts.push(imagePart(block, where));
        return;
      case 'tool_use':
        if (role !== 'assistant' || typeof block.id !== 'string' || typeof block.name !== 'string') {
          throw bad(where, 'a tool_use block goes in an assistant message, with an id and a name');
        }
        calls.push({
          id: block.id,
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        return;
      case 'tool_result':
        if (role !== 'user' || typeof block.tool_use_id !== 'string') {
          throw bad(where, 'a tool_result block goes in a user message, with a tool_use_id');
        }
        if (block.is_error === true)
          throw bad(`${where}.is_error`, 'this model cannot be told a tool failed; say so in the content');
        results.push({
          role: 'tool',
          tool_call_id: block.tool_use_id,
          content: block.content === undefined ? '' : textOf(block.content, `${where}.content`),
        });
        return;
      default:
        throw bad(where, `${String(block.type)} blocks cannot be sent to this model`);
    }
  });
  if (role === 'assistant') {
    const text = parts.map((p) => String(p.text)).join('');
    return [
      {
        role,
        content: text === '' && calls.length > 0 ? null : text,
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
      },
    ];
  }
  return [...results, ...(parts.length > 0 ? [{ role, content: parts }] : [])];
}

function toolsOf(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw bad('tools', 'must be an array');
  return tools.map((t: unknown, i) => {
    if (!isRecord(t) || typeof t.name !== 'string' || (t.type !== undefined && t.type !== 'custom')) {
      throw bad(
        `tools[${i}]`,
        'must be a custom tool with a name and an input_schema (server tools need an Anthropic model)',
      );
    }
    return {
      type: 'function',
      function: {
        name: t.name,
        ...(typeof t.description === 'string' ? { description: t.description } : {}),
        parameters: isRecord(t.input_schema) ? t.input_schema : { type: 'object', properties: {} },
      },
    };
  });
}

function toolChoiceOf(choice: unknown): Json {
  if (!isRecord(choice)) throw bad('tool_choice', 'must be an object');
  const single = choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...single };
    case 'any':
      return { tool_choice: 'required', ...single };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      if (typeof choice.name !== 'string') throw bad('tool_choice.name', 'must name the tool');
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...single };
    default:
      throw bad('tool_choice.type', 'must be auto, any, tool or none');
  }
}

/**
 * A Messages body as a Chat Completions body for an OpenAI-compatible model. A field that would
 * change the answer and has no counterpart there is a 400 naming it; so is a field we do not know.
 */
export function toOpenAiRequest(body: Json): Json {
  checkFields(
    body,
    { unhonoured: UNHONOURED, ignored: IGNORED, translated: TRANSLATED },
    'only Anthropic models honour it; leave it out for this model',
    'Messages',
  );
  const messages: Json[] = [];
  if (body.system !== undefined) messages.push({ role: 'system', content: textOf(body.system, 'system') });
  (body.messages as unknown[]).forEach((m, i) => messages.push(...messagesOf(m, `messages[${i}]`)));
  const out: Json = { messages, max_tokens: body.max_tokens };
  if (body.stream === true) Object.assign(out, { stream: true, stream_options: { include_usage: true } });
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  if (body.tools !== undefined) out.tools = toolsOf(body.tools);
  if (body.tool_choice !== undefined) Object.assign(out, toolChoiceOf(body.tool_choice));
  if (isRecord(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  if (body.output_config !== undefined) {
    const config = isRecord(body.output_config) ? body.output_config : {};
    for (const key of Object.keys(config)) {
      if (key !== 'format' && key !== 'effort')
        throw bad(`output_config.${key}`, 'not an output option this gateway knows');
    }
    const format = isRecord(config.format) ? config.format : undefined;
    if (format !== undefined) {
      if (format.type !== 'json_schema' || !isRecord(format.schema)) {
        throw bad('output_config.format', 'must be { type: json_schema, schema }');
      }
      out.response_format = {
        type: 'json_schema',
        json_schema: { name: 'output', schema: format.schema, strict: true },
      };
    }
    if (typeof config.effort === 'string') out.reasoning_effort = config.effort;
  }
  return out;
}

function anthropicUsage(u: ChatUsage | undefined): Json {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: (u?.prompt_tokens ?? 0) - cached,
    output_tokens: u?.completion_tokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
}

const toolInput = (args: unknown): unknown => {
  try {
    return JSON.parse(typeof args === 'string' && args !== '' ? args : '{}');
  } catch {
    return {};
  }
};

/** A whole Chat Completions answer (JSON text) as an Anthropic message. */
export function fromOpenAiCompletion(text: string, id: string, model: string): Json {
  const completion = readCompletion(text);
  const content: Json[] = [];
  if (completion.content !== null && completion.content !== '')
    content.push({ type: 'text', text: completion.content });
  for (const call of completion.calls) {
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments) });
  }
  return messageBody(
    id,
    model,
    content,
    FINISH_TO_STOP[completion.finish ?? ''] ?? 'end_turn',
    anthropicUsage(completion.usage),
  );
}

/** An Anthropic message object. */
export function messageBody(id: string, model: string, content: Json[], stopReason: string | null, usage: Json): Json {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

/** One Anthropic server-sent event. */
export const anthropicEvent = (type: string, data: Json) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}`;

/**
 * Writes a Messages stream: `message_start`, then content blocks (text deltas, tool_use blocks
 * with `input_json_delta` pieces), then `message_delta` with the stop reason and usage, then
 * `message_stop`. Fed by the OpenAI stream translator, and by a run streamed as a message.
 */
export class MessageEvents {
  private open: { index: number; kind: 'text' | 'tool' } | null = null;
  private next = 0;

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  start(): string[] {
    return [
      anthropicEvent('message_start', {
        message: messageBody(this.id, this.model, [], null, { input_tokens: 0, output_tokens: 0 }),
      }),
    ];
  }

  text(text: string): string[] {
    const lines = this.open?.kind === 'text' ? [] : this.begin('text', { type: 'text', text: '' });
    return [
      ...lines,
      anthropicEvent('content_block_delta', { index: this.open?.index, delta: { type: 'text_delta', text } }),
    ];
  }

  tool(id: string, name: string): string[] {
    return this.begin('tool', { type: 'tool_use', id, name, input: {} });
  }

  toolArguments(json: string): string[] {
    if (this.open?.kind !== 'tool') return [];
    return [
      anthropicEvent('content_block_delta', {
        index: this.open.index,
        delta: { type: 'input_json_delta', partial_json: json },
      }),
    ];
  }

  end(stopReason: string, usage: Json): string[] {
    return [
      ...this.close(),
      anthropicEvent('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage }),
      anthropicEvent('message_stop', {}),
    ];
  }

  private begin(kind: 'text' | 'tool', block: Json): string[] {
    const lines = this.close();
    this.open = { index: this.next++, kind };
    return [...lines, anthropicEvent('content_block_start', { index: this.open.index, content_block: block })];
  }

  private close(): string[] {
    if (this.open === null) return [];
    const index = this.open.index;
    this.open = null;
    return [anthropicEvent('content_block_stop', { index })];
  }
}

/** Chat Completions chunks as Messages events; the stop reason waits for the usage chunk that follows it. */
export class OpenAiToAnthropicStream {
  private readonly events: MessageEvents;
  private started = false;
  private stop = 'end_turn';
  private usage: ChatUsage | undefined;
  /** Tool call index → whether its block was opened. */
  private readonly tools = new Set<number>();

  constructor(id: string, model: string) {
    this.events = new MessageEvents(id, model);
  }

  push(event: string): string[] {
    const chunk = readChunk(sseData(event));
    const out = this.started ? [] : ((this.started = true), this.events.start());
    if (chunk === null) return out;
    if (chunk.kind === 'done') return [...out, ...this.events.end(this.stop, anthropicUsage(this.usage))];
    if (chunk.kind === 'error') {
      return [...out, anthropicEvent('error', { error: { type: 'api_error', message: chunk.message } })];
    }
    if (chunk.usage !== undefined) this.usage = chunk.usage;
    if (chunk.content !== undefined) out.push(...this.events.text(chunk.content));
    for (const call of chunk.calls) {
      if (!this.tools.has(call.index)) {
        this.tools.add(call.index);
        out.push(...this.events.tool(call.id ?? `toolu_orx${call.index}`, call.name ?? ''));
      }
      if (call.arguments !== undefined) out.push(...this.events.toolArguments(call.arguments));
    }
    if (chunk.finish !== undefined) this.stop = FINISH_TO_STOP[chunk.finish] ?? 'end_turn';
    return out;
  }
}
