import { sseData } from '../providers/adapters/sdk-errors.js';
import {
  asksForNothing,
  badField,
  checkFields,
  isRecord,
  readChunk,
  readCompletion,
  type ChatUsage,
  type Json,
} from './wire-json.js';

/**
 * OpenAI's Responses API in front of models that have only Chat Completions (every provider but
 * OpenAI's own, and Anthropic's through Chat Completions): a stateless Responses request as a
 * Chat Completions body, and the answer (whole or streamed) back as a Response.
 */

const bad = badField;

/** Fields of a stored conversation: this gateway keeps no responses. */
export const STATEFUL = ['previous_response_id', 'conversation', 'background', 'prompt'];
/** Fields that change the answer and that Chat Completions has no way to honour. */
const UNHONOURED = ['include', 'max_tool_calls', 'top_logprobs', 'truncation'];
/** Fields that do not change the answer: not sent on. */
const IGNORED = ['store', 'metadata', 'service_tier', 'prompt_cache_key', 'safety_identifier', 'stream_options'];
const TRANSLATED = [
  'model',
  'input',
  'instructions',
  'stream',
  'max_output_tokens',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'user',
];

function contentOf(content: unknown, at: string, role: string): unknown {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw bad(`${at}.content`, 'must be a string or an array of content parts');
  const parts = content.map((p: unknown, i) => {
    const where = `${at}.content[${i}]`;
    if (isRecord(p) && (p.type === 'input_text' || p.type === 'output_text') && typeof p.text === 'string') {
      return { type: 'text', text: p.text };
    }
    if (isRecord(p) && p.type === 'input_image' && role === 'user') {
      if (typeof p.image_url !== 'string')
        throw bad(`${where}.image_url`, 'must be a URL (file ids need an OpenAI model)');
      return {
        type: 'image_url',
        image_url: { url: p.image_url, ...(typeof p.detail === 'string' ? { detail: p.detail } : {}) },
      };
    }
    throw bad(where, `${String(isRecord(p) ? p.type : p)} parts cannot be sent to this model`);
  });
  // An assistant turn is text only in Chat Completions.
  return role === 'assistant' ? parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('') : parts;
}

/** The input items as chat messages: function calls join the assistant turn, their outputs are `tool` messages. */
function messagesOf(input: unknown): Json[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input) || input.length === 0) throw bad('input', 'must be a string or a non-empty array of items');
  const messages: Json[] = [];
  input.forEach((item: unknown, i) => {
    const at = `input[${i}]`;
    if (!isRecord(item)) throw bad(at, 'must be an object');
    if (item.type === 'function_call') {
      if (typeof item.call_id !== 'string' || typeof item.name !== 'string')
        throw bad(at, 'a function_call needs call_id and name');
      const call = {
        id: item.call_id,
        type: 'function',
        function: { name: item.name, arguments: typeof item.arguments === 'string' ? item.arguments : '{}' },
      };
      const last = messages.at(-1);
      if (last?.role === 'assistant' && Array.isArray(last.tool_calls)) (last.tool_calls as Json[]).push(call);
      else if (last?.role === 'assistant' && last.tool_calls === undefined) last.tool_calls = [call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    if (item.type === 'function_call_output') {
      if (typeof item.call_id !== 'string') throw bad(`${at}.call_id`, 'must be a string');
      const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '');
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: output });
      return;
    }
    if (item.type !== undefined && item.type !== 'message') {
      throw bad(`${at}.type`, `${JSON.stringify(item.type)} items can go only to OpenAI models`);
    }
    const role = item.role === 'developer' ? 'system' : item.role;
    if (role !== 'user' && role !== 'assistant' && role !== 'system') {
      throw bad(`${at}.role`, 'must be user, assistant, system or developer');
    }
    messages.push({ role, content: contentOf(item.content, at, String(role)) });
  });
  return messages;
}

function toolsOf(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw bad('tools', 'must be an array');
  return tools.map((t: unknown, i) => {
    if (!isRecord(t) || t.type !== 'function' || typeof t.name !== 'string') {
      throw bad(`tools[${i}]`, 'must be a function tool with a name (built-in tools need an OpenAI model)');
    }
    return {
      type: 'function',
      function: {
        name: t.name,
        ...(typeof t.description === 'string' ? { description: t.description } : {}),
        parameters: isRecord(t.parameters) ? t.parameters : { type: 'object', properties: {} },
        ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {}),
      },
    };
  });
}

/**
 * A Responses request as a Chat Completions body. A field that would change the answer and has
 * no counterpart there is a 400 naming it; so is a field we do not know.
 */
export function responsesToChat(body: Json): Json {
  for (const field of STATEFUL) {
    if (!asksForNothing(field, body[field])) {
      throw bad(field, 'this gateway keeps no responses: send the whole input each time');
    }
  }
  checkFields(
    body,
    { unhonoured: UNHONOURED, ignored: [...IGNORED, ...STATEFUL], translated: TRANSLATED },
    'only OpenAI models honour it; leave it out for this model',
    'Responses',
  );
  const messages = messagesOf(body.input);
  if (typeof body.instructions === 'string' && body.instructions !== '') {
    messages.unshift({ role: 'system', content: body.instructions });
  }
  const out: Json = { messages };
  if (body.stream === true) Object.assign(out, { stream: true, stream_options: { include_usage: true } });
  if (typeof body.max_output_tokens === 'number') out.max_tokens = body.max_output_tokens;
  for (const field of ['temperature', 'top_p', 'parallel_tool_calls', 'user'] as const) {
    if (body[field] !== undefined && body[field] !== null) out[field] = body[field];
  }
  if (body.tools !== undefined) out.tools = toolsOf(body.tools);
  const choice = body.tool_choice;
  if (choice !== undefined) {
    if (choice === 'auto' || choice === 'none' || choice === 'required') out.tool_choice = choice;
    else if (isRecord(choice) && choice.type === 'function' && typeof choice.name === 'string') {
      out.tool_choice = { type: 'function', function: { name: choice.name } };
    } else throw bad('tool_choice', 'must be auto, none, required or { type: function, name }');
  }
  if (body.text !== undefined) {
    const text = isRecord(body.text) ? body.text : {};
    for (const key of Object.keys(text)) if (key !== 'format') throw bad(`text.${key}`, 'only OpenAI models honour it');
    const format = isRecord(text.format) ? text.format : undefined;
    if (format?.type === 'json_schema') {
      if (!isRecord(format.schema)) throw bad('text.format.schema', 'is required for json_schema');
      out.response_format = {
        type: 'json_schema',
        json_schema: { name: format.name ?? 'output', schema: format.schema, strict: format.strict ?? true },
      };
    } else if (format?.type === 'json_object') out.response_format = { type: 'json_object' };
    else if (format !== undefined && format.type !== 'text')
      throw bad('text.format.type', 'must be text, json_object or json_schema');
  }
  if (body.reasoning !== undefined && body.reasoning !== null) {
    const reasoning = isRecord(body.reasoning) ? body.reasoning : {};
    for (const key of Object.keys(reasoning))
      if (key !== 'effort') throw bad(`reasoning.${key}`, 'only OpenAI models honour it');
    if (typeof reasoning.effort === 'string') out.reasoning_effort = reasoning.effort;
  }
  return out;
}

export function responsesUsage(u: ChatUsage | undefined): Json {
  const input = u?.prompt_tokens ?? 0;
  const output = u?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    // Cache writes are not told apart from other input here (they are in input_tokens).
    input_tokens_details: { cached_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: input + output,
  };
}

/** A Response around its output items (the request's settings echoed as the Response shape has them). */
export function responseOf(
  id: string,
  model: string,
  request: Json,
  output: Json[],
  status: string,
  usage: Json | null,
): Json {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: typeof request.instructions === 'string' ? request.instructions : null,
    max_output_tokens: typeof request.max_output_tokens === 'number' ? request.max_output_tokens : null,
    model,
    output,
    parallel_tool_calls: request.parallel_tool_calls !== false,
    metadata: isRecord(request.metadata) ? request.metadata : {},
    tool_choice: request.tool_choice ?? 'auto',
    tools: Array.isArray(request.tools) ? request.tools : [],
    temperature: typeof request.temperature === 'number' ? request.temperature : 1,
    top_p: typeof request.top_p === 'number' ? request.top_p : 1,
    // Absent (not null) until the Response has it, as OpenAI's document has it.
    ...(usage === null ? {} : { usage }),
  };
}

export const textItem = (id: string, text: string, status: string): Json => ({
  id,
  type: 'message',
  role: 'assistant',
  status,
  content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
});

const callItem = (id: string, callId: string, name: string, args: string, status: string): Json => ({
  id,
  type: 'function_call',
  status,
  call_id: callId,
  name,
  arguments: args,
});

const statusOf = (finish: string | null | undefined) => (finish === 'length' ? 'incomplete' : 'completed');

/** A whole Chat Completions answer (JSON text, or the object a translation made) as a Response. */
export function chatToResponse(answer: string | Json, id: string, model: string, request: Json): Json {
  const completion = readCompletion(answer);
  const output: Json[] = [];
  if (completion.content !== null && completion.content !== '') {
    output.push(textItem(`msg_${id}`, completion.content, 'completed'));
  }
  completion.calls.forEach((call, i) => {
    output.push(callItem(`fc_${id}_${i}`, call.id, call.name, call.arguments, 'completed'));
  });
  return responseOf(id, model, request, output, statusOf(completion.finish), responsesUsage(completion.usage));
}

/**
 * Chat Completions chunks as Responses events: `response.created`, each output item (the text, each
 * function call) added, its deltas, done, then `response.completed` with the usage chunk's usage.
 */
export class ChatToResponsesStream {
  private seq = 0;
  private started = false;
  private finish: string | null = null;
  private usage: ChatUsage | undefined;
  private readonly output: Json[] = [];
  private open: { index: number; kind: 'text'; text: string } | { index: number; kind: 'call'; item: Json } | null =
    null;
  /** The stream's tool call indexes whose items were opened. */
  private readonly calls = new Set<number>();

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly request: Json,
  ) {}

  push(event: string): string[] {
    const out: string[] = [];
    if (!this.started) {
      this.started = true;
      const opening = responseOf(this.id, this.model, this.request, [], 'in_progress', null);
      out.push(
        this.event('response.created', { response: opening }),
        this.event('response.in_progress', { response: opening }),
      );
    }
    const chunk = readChunk(sseData(event));
    if (chunk === null) return out;
    if (chunk.kind === 'done') {
      out.push(...this.close());
      const response = responseOf(
        this.id,
        this.model,
        this.request,
        this.output,
        statusOf(this.finish),
        responsesUsage(this.usage),
      );
      out.push(
        this.event(statusOf(this.finish) === 'incomplete' ? 'response.incomplete' : 'response.completed', { response }),
      );
      return out;
    }
    if (chunk.kind === 'error') {
      out.push(this.event('error', { code: null, message: chunk.message, param: null }));
      return out;
    }
    if (chunk.usage !== undefined) this.usage = chunk.usage;
    if (chunk.content !== undefined) out.push(...this.text(chunk.content));
    for (const call of chunk.calls) {
      if (!this.calls.has(call.index)) {
        this.calls.add(call.index);
        out.push(...this.close());
        const outputIndex = this.output.length;
        const callId = call.id ?? `call_orx${outputIndex}`;
        const item = callItem(`fc_${this.id}_${outputIndex}`, callId, call.name ?? '', '', 'in_progress');
        this.open = { index: outputIndex, kind: 'call', item };
        out.push(this.event('response.output_item.added', { output_index: outputIndex, item }));
      }
      if (call.arguments !== undefined && this.open?.kind === 'call') {
        this.open.item.arguments = String(this.open.item.arguments) + call.arguments;
        out.push(
          this.event('response.function_call_arguments.delta', {
            item_id: this.open.item.id,
            output_index: this.open.index,
            delta: call.arguments,
          }),
        );
      }
    }
    if (chunk.finish !== undefined) this.finish = chunk.finish;
    return out;
  }

  private text(text: string): string[] {
    const out: string[] = [];
    if (this.open?.kind !== 'text') {
      out.push(...this.close());
      const index = this.output.length;
      this.open = { index, kind: 'text', text: '' };
      out.push(
        this.event('response.output_item.added', {
          output_index: index,
          item: textItem(this.itemId(index), '', 'in_progress'),
        }),
        this.event('response.content_part.added', {
          item_id: this.itemId(index),
          output_index: index,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
        }),
      );
    }
    this.open.text += text;
    const at = { item_id: this.itemId(this.open.index), output_index: this.open.index, content_index: 0 };
    out.push(this.event('response.output_text.delta', { ...at, delta: text, logprobs: [] }));
    return out;
  }

  /** Closes the open item (its done events) and adds it to the output. */
  private close(): string[] {
    const open = this.open;
    if (open === null) return [];
    this.open = null;
    if (open.kind === 'call') {
      const item: Json = { ...open.item, status: 'completed' };
      this.output.push(item);
      return [
        this.event('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: open.index,
          name: item.name,
          arguments: item.arguments,
        }),
        this.event('response.output_item.done', { output_index: open.index, item }),
      ];
    }
    const item = textItem(this.itemId(open.index), open.text, 'completed');
    this.output.push(item);
    const at = { item_id: item.id, output_index: open.index, content_index: 0 };
    return [
      this.event('response.output_text.done', { ...at, text: open.text, logprobs: [] }),
      this.event('response.content_part.done', {
        ...at,
        part: { type: 'output_text', text: open.text, annotations: [], logprobs: [] },
      }),
      this.event('response.output_item.done', { output_index: open.index, item }),
    ];
  }

  private itemId(index: number): string {
    return `msg_${this.id}_${index}`;
  }

  private event(type: string, data: Json): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: this.seq++ })}`;
  }
}
