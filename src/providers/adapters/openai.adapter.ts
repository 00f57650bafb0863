import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type {
  ConversationMessage,
  ChatRequest,
  FinishReason,
  ProviderAdapter,
  ProviderEvent,
  ToolCall,
} from '../provider.types.js';
import { ProviderError } from '../provider.error.js';
import { sdkClientOptions, type AdapterOptions } from './adapter-options.js';
import { guardedStream, sseData, sseEvents } from './sdk-errors.js';

function finishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'content_filter':
    case 'tool_calls':
      return reason;
    default:
      return 'other';
  }
}

/** The events of one piece of the answer: a streamed chunk, or a whole completion. */
function eventsOf(
  content: string | null | undefined,
  reason: string | null | undefined,
  usage?: CompletionUsage | null,
) {
  const events: ProviderEvent[] = [];
  if (content) events.push({ type: 'delta', text: content });
  if (reason) events.push({ type: 'finish', reason: finishReason(reason) });
  if (usage) {
    events.push({
      type: 'usage',
      usage: {
        inputTokens: usage.prompt_tokens,
        outputTokens: usage.completion_tokens,
        cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
        reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
      },
    });
  }
  return events;
}

/** Our messages in Chat Completions' shape: assistant turns with `tool_calls`, `tool` messages answering them. */
function wireMessages(messages: ConversationMessage[]) {
  return messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool' as const, tool_call_id: m.toolCallId, content: m.content };
    if (m.role === 'assistant' && m.toolCalls !== undefined && m.toolCalls.length > 0) {
      return {
        role: 'assistant' as const,
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.arguments },
        })),
      };
    }
    return { role: m.role, content: m.content };
  });
}

/** The tools and the choice of a chat the engine built, in Chat Completions' fields. */
function wireTools(request: ChatRequest) {
  if (request.tools === undefined || request.tools.length === 0) return {};
  return {
    tools: request.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, description: t.description, parameters: t.parameters },
    })),
    ...(request.toolChoice === undefined ? {} : { tool_choice: request.toolChoice }),
  };
}

/** A streamed answer's tool calls, gathered from their pieces by index; whole when the stream finishes. */
class ToolCallPieces {
  private readonly calls: ToolCall[] = [];

  add(pieces: ChatCompletionChunk.Choice.Delta.ToolCall[] | undefined): void {
    for (const piece of pieces ?? []) {
      const call = (this.calls[piece.index] ??= { id: '', name: '', arguments: '' });
      if (piece.id) call.id = piece.id;
      if (piece.function?.name) call.name += piece.function.name;
      if (piece.function?.arguments) call.arguments += piece.function.arguments;
    }
  }

  events(): ProviderEvent[] {
    return this.calls.filter((c) => c !== undefined).map((call) => ({ type: 'tool_call' as const, call }));
  }
}

/** JSON mode, or a strict schema where one is given (OpenAI structured outputs; llama.cpp enforces it with a grammar). */
function responseFormat(json: NonNullable<ChatRequest['json']>) {
  return typeof json === 'object'
    ? { type: 'json_schema' as const, json_schema: { name: json.name, schema: json.schema, strict: true } }
    : { type: 'json_object' as const };
}

/**
 * OpenAI and every OpenAI-compatible API: our own calls through the official SDK, a client's body
 * passed through (the fast path) sent directly.
 */
export class OpenAiAdapter implements ProviderAdapter {
  readonly protocol = 'openai';
  private readonly client: OpenAI;
  /** The base URL without a trailing slash, for the fast path's requests. */
  private readonly base: string;

  constructor(private readonly options: AdapterOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.client = new OpenAI(sdkClientOptions(options));
  }

  chat(model: string, request: ChatRequest, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const body = {
      model,
      messages: wireMessages(request.messages),
      ...wireTools(request),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.json ? { response_format: responseFormat(request.json) } : {}),
    };
    if (request.stream === false) {
      return guardedStream<ChatCompletion>(
        this.options,
        model,
        signal,
        async (guarded) => [await this.client.chat.completions.create({ ...body, stream: false }, { signal: guarded })],
        ({ choices: [choice], usage }) => [
          ...(choice?.message?.tool_calls ?? []).flatMap((c): ProviderEvent[] =>
            c.type === 'function'
              ? [{ type: 'tool_call', call: { id: c.id, name: c.function.name, arguments: c.function.arguments } }]
              : [],
          ),
          ...eventsOf(choice?.message?.content, choice?.finish_reason, usage),
        ],
      );
    }
    const pieces = new ToolCallPieces();
    return guardedStream<ChatCompletionChunk>(
      this.options,
      model,
      signal,
      (guarded) =>
        this.client.chat.completions.create(
          { ...body, stream: true, stream_options: { include_usage: true } },
          { signal: guarded },
        ),
      ({ choices: [choice], usage }) => {
        pieces.add(choice?.delta?.tool_calls);
        return eventsOf(choice?.delta?.content, choice?.finish_reason, usage);
      },
      () => pieces.events(),
    );
  }

  /** `POST /embeddings` with the client's body (model id swapped), answered as the provider's bytes; only its usage is read. */
  embed(model: string, client: Record<string, unknown>, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    return this.bytes('/embeddings', { ...client, model }, signal, (text) => {
      const tokens = EMBEDDING_USAGE.exec(text.slice(-2000));
      const usage = tokens && {
        inputTokens: Number(tokens[1]),
        outputTokens: 0,
        cachedInputTokens: 0,
        reasoningTokens: 0,
      };
      return [...(usage ? [{ type: 'usage' as const, usage }] : []), { type: 'finish', reason: 'stop' }];
    });
  }

  /**
   * OpenAI's Responses API with the client's body (model id swapped), answered as the provider's
   * bytes; only the final response's usage is read (`response.completed` / `.incomplete`).
   */
  respond(model: string, client: Record<string, unknown>, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const streaming = client.stream === true;
    return this.bytes('/responses', { ...client, model }, signal, (data) => responsesEvents(data, streaming));
  }

  /**
   * The fast path: the client's body with the provider's model id, and usage always asked for on a
   * stream (a usage chunk the client did not ask for is left out by the gateway). The answer is
   * read as bytes, and only the events that carry usage or a finish reason are parsed.
   */
  relayChat(model: string, client: Record<string, unknown>, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const streaming = client.stream === true;
    const body = {
      ...client,
      model,
      ...(streaming
        ? { stream_options: { ...(client.stream_options as object | undefined), include_usage: true } }
        : {}),
    };
    return this.bytes('/chat/completions', body, signal, (data) => (streaming ? chunkEvents(data) : wholeEvents(data)));
  }

  /**
   * A body passed through as it is, answered as the provider's bytes: its server-sent events one by
   * one (when it asks to stream), or the whole body; each goes on as a `raw` event with what `read`
   * takes from it (usage, the finish). Sent without the SDK, whose request building, retry and
   * logging machinery was the largest part of the gateway's own CPU per call; a refusal still
   * becomes the SDK's own error (`APIError.generate`), so it is classified and worded as for every
   * other call.
   */
  private bytes(
    path: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
    read: (data: string) => ProviderEvent[],
  ): AsyncIterable<ProviderEvent> {
    const streaming = body.stream === true;
    const model = String(body.model);
    return guardedStream<string>(
      this.options,
      model,
      signal,
      async (guarded) => {
        const response = await this.post(path, body, guarded);
        return streaming ? sseEvents(response.body as unknown as AsyncIterable<Uint8Array>) : [await response.text()];
      },
      (data) => [{ type: 'raw', data }, ...read(data)],
    );
  }

  private async post(path: string, body: Record<string, unknown>, signal: AbortSignal): Promise<Response> {
    const send = this.options.fetch ?? globalThis.fetch;
    const response = await send(`${this.base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: body.stream === true ? 'text/event-stream' : 'application/json',
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal,
    }).catch((error: unknown) => {
      if (signal.aborted) throw error;
      throw new OpenAI.APIConnectionError({ cause: error instanceof Error ? error : undefined });
    });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const json = safeJson(text);
      throw OpenAI.APIError.generate(response.status, json, json === undefined ? text : undefined, response.headers);
    }
    return response;
  }
}

function safeJson(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The usage of an embeddings answer, read from its end (the vectors before it are not parsed). */
const EMBEDDING_USAGE = /"usage"\s*:\s*\{[^}]*?"prompt_tokens"\s*:\s*(\d+)/;

/** The usage and end of a Responses answer: the whole response, or its last streamed event. */
function responsesEvents(data: string, streaming: boolean): ProviderEvent[] {
  if (streaming && !/"type":\s*"response\.(completed|incomplete|failed)"/.test(data)) return [];
  interface ResponseEnd {
    status?: string;
    usage?: {
      input_tokens: number;
      output_tokens: number;
      input_tokens_details?: { cached_tokens?: number };
      output_tokens_details?: { reasoning_tokens?: number };
    } | null;
  }
  let response: ResponseEnd;
  try {
    const parsed = JSON.parse(streaming ? sseData(data) : data) as ResponseEnd & { response?: ResponseEnd };
    response = streaming ? (parsed.response ?? {}) : parsed;
  } catch {
    if (streaming) return [];
    throw new ProviderError('malformed', 'The provider answered with JSON that cannot be read');
  }
  const u = response.usage;
  const events: ProviderEvent[] = [{ type: 'finish', reason: response.status === 'incomplete' ? 'length' : 'stop' }];
  if (u) {
    events.push({
      type: 'usage',
      usage: {
        inputTokens: u.input_tokens,
        outputTokens: u.output_tokens,
        cachedInputTokens: u.input_tokens_details?.cached_tokens ?? 0,
        reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
      },
    });
  }
  return events;
}

/** Usage and finish reason of one streamed chunk, parsed only when the chunk can carry them. */
function chunkEvents(event: string): ProviderEvent[] {
  if (!event.includes('"usage"') && !event.includes('"finish_reason":"')) return [];
  const data = sseData(event);
  if (data === '[DONE]') return [];
  try {
    const chunk = JSON.parse(data) as ChatCompletionChunk;
    return eventsOf(null, chunk.choices?.[0]?.finish_reason, chunk.usage);
  } catch {
    return [];
  }
}

function wholeEvents(text: string): ProviderEvent[] {
  try {
    const completion = JSON.parse(text) as ChatCompletion;
    return eventsOf(null, completion.choices?.[0]?.finish_reason, completion.usage);
  } catch {
    throw new ProviderError('malformed', 'The provider answered with JSON that cannot be read');
  }
}
