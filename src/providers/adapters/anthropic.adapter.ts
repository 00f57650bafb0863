import type Anthropic from '@anthropic-ai/sdk';
import { requireWhenNeeded } from '../../common/lazy-require.js';
import type {
  ConversationMessage,
  ChatRequest,
  FinishReason,
  NormalizedUsage,
  ProviderAdapter,
  ProviderEvent,
  ToolCall,
} from '../provider.types.js';
import { sdkClientOptions, type AdapterOptions } from './adapter-options.js';
import { ProviderError } from '../provider.error.js';
import { fromSdkError, guardedStream, sseData, sseEvents } from './sdk-errors.js';

/** Anthropic requires max_tokens; this is ours when the caller names none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

function finishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

type Block = Anthropic.TextBlockParam | Anthropic.ToolUseBlockParam | Anthropic.ToolResultBlockParam;

/** A tool call's arguments as the object Messages wants (`{}` when the model wrote none or no object). */
function inputOf(call: ToolCall): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(call.arguments === '' ? '{}' : call.arguments);
    return typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Our conversation (system messages aside) in Messages' shape: tool calls as `tool_use` blocks of
 * the assistant's turn, and the results that answer them as `tool_result` blocks of one user turn.
 */
function wireMessages(messages: ConversationMessage[]): Anthropic.MessageParam[] {
  const out: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks: Block[] =
      m.role === 'tool'
        ? [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content, is_error: m.isError }]
        : [
            ...(m.content === '' ? [] : [{ type: 'text' as const, text: m.content }]),
            ...(m.toolCalls ?? []).map((c) => ({
              type: 'tool_use' as const,
              id: c.id,
              name: c.name,
              input: inputOf(c),
            })),
          ];
    const last = out.at(-1);
    // Tool results follow one another as blocks of a single user turn, as Messages requires.
    const onlyResults = last?.role === 'user' && last.content.every((b) => b.type === 'tool_result');
    if (m.role === 'tool' && last !== undefined && onlyResults) {
      last.content.push(...blocks);
    } else out.push({ role, content: blocks });
  }
  // A plain text turn stays a string, as it always was sent.
  return out.map((m) =>
    m.content.length === 1 && m.content[0].type === 'text' ? { role: m.role, content: m.content[0].text } : m,
  );
}

/** The tools and the choice of a chat the engine built, in Messages' fields. */
function wireTools(request: ChatRequest) {
  if (request.tools === undefined || request.tools.length === 0) return {};
  return {
    tools: request.tools.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: { type: 'object' as const, ...t.parameters },
    })),
    ...(request.toolChoice === undefined ? {} : { tool_choice: { type: request.toolChoice } }),
  };
}

/** The Messages API through the official SDK, with its streaming events. */
export class AnthropicAdapter implements ProviderAdapter {
  readonly protocol = 'anthropic';
  private readonly client: Anthropic;

  constructor(private readonly options: AdapterOptions) {
    // Loaded with the first Anthropic-protocol provider: about 12 MB that a process without one keeps.
    const { Anthropic: Client } = requireWhenNeeded<typeof import('@anthropic-ai/sdk')>('@anthropic-ai/sdk');
    this.client = new Client(sdkClientOptions(options));
  }

  chat(model: string, request: ChatRequest, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
    if (request.json) system.push('Respond with JSON only: a single JSON object, no prose around it.');
    const body = {
      model,
      max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages: wireMessages(request.messages),
      ...wireTools(request),
      ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    };
    // Anthropic reports input (uncached) and cache reads apart; ours counts cached within input.
    const usage: NormalizedUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
    const countInput = (u: Anthropic.Usage) => {
      usage.cachedInputTokens = u.cache_read_input_tokens ?? 0;
      usage.inputTokens = u.input_tokens + usage.cachedInputTokens + (u.cache_creation_input_tokens ?? 0);
      usage.outputTokens = u.output_tokens;
    };
    if (request.stream === false) {
      return guardedStream<Anthropic.Message>(
        this.options,
        model,
        signal,
        async (guarded) => [await this.client.messages.create({ ...body, stream: false }, { signal: guarded })],
        (message): ProviderEvent[] => {
          countInput(message.usage);
          const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
          const calls = message.content.flatMap((block): ProviderEvent[] =>
            block.type === 'tool_use'
              ? [
                  {
                    type: 'tool_call',
                    call: { id: block.id, name: block.name, arguments: JSON.stringify(block.input) },
                  },
                ]
              : [],
          );
          return [
            ...(text === '' ? [] : [{ type: 'delta' as const, text }]),
            ...calls,
            { type: 'finish', reason: finishReason(message.stop_reason) },
            { type: 'usage', usage },
          ];
        },
      );
    }
    let reason: FinishReason = 'other';
    // Tool calls by content block index: started by `content_block_start`, their input streamed as JSON pieces.
    const calls = new Map<number, ToolCall>();
    return guardedStream<Anthropic.MessageStreamEvent>(
      this.options,
      model,
      signal,
      (guarded) => this.client.messages.create({ ...body, stream: true }, { signal: guarded }),
      (event): ProviderEvent[] => {
        if (event.type === 'message_start') {
          countInput(event.message.usage);
        } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          return [{ type: 'delta', text: event.delta.text }];
        } else if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
          calls.set(event.index, { id: event.content_block.id, name: event.content_block.name, arguments: '' });
        } else if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
          const call = calls.get(event.index);
          if (call !== undefined) call.arguments += event.delta.partial_json;
        } else if (event.type === 'message_delta') {
          usage.outputTokens = event.usage.output_tokens;
          reason = finishReason(event.delta.stop_reason);
        }
        return [];
      },
      () => [
        ...[...calls.values()].map((call) => ({ type: 'tool_call' as const, call })),
        { type: 'finish', reason },
        { type: 'usage', usage },
      ],
    );
  }

  /** `POST /v1/messages/count_tokens` of a Messages body (the provider's model id), with the client's headers. */
  async countTokens(
    model: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
    headers?: Record<string, string>,
  ): Promise<number> {
    const params = { ...body, model } as unknown as Anthropic.MessageCountTokensParams;
    try {
      return (await this.client.messages.countTokens(params, { signal, headers })).input_tokens;
    } catch (error) {
      throw fromSdkError(error, this.options.provider, model, signal);
    }
  }

  /**
   * The gateway's path: a Messages body sent as it is (the provider's model id) with the client's
   * `anthropic-version` and `anthropic-beta`, the answer read as bytes; only the events that carry
   * usage or the stop reason are parsed.
   */
  relayChat(
    model: string,
    client: Record<string, unknown>,
    signal: AbortSignal,
    headers?: Record<string, string>,
  ): AsyncIterable<ProviderEvent> {
    const streaming = client.stream === true;
    const body = { ...client, model } as unknown as Anthropic.MessageCreateParams;
    const usage: NormalizedUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
    const count = (u: Partial<Anthropic.Usage> | undefined) => {
      if (u === undefined) return;
      if (u.input_tokens !== undefined) {
        usage.cachedInputTokens = u.cache_read_input_tokens ?? 0;
        usage.inputTokens = u.input_tokens + usage.cachedInputTokens + (u.cache_creation_input_tokens ?? 0);
      }
      if (u.output_tokens !== undefined) usage.outputTokens = u.output_tokens;
    };
    let reason: FinishReason = 'other';
    return guardedStream<string>(
      this.options,
      model,
      signal,
      async (guarded) => {
        const response = await this.client.messages.create(body, { signal: guarded, headers }).asResponse();
        return streaming ? sseEvents(response.body as AsyncIterable<Uint8Array>) : [await response.text()];
      },
      (data): ProviderEvent[] => {
        if (!streaming) {
          let message: Anthropic.Message;
          try {
            message = JSON.parse(data) as Anthropic.Message;
          } catch {
            throw new ProviderError('malformed', 'The provider answered with JSON that cannot be read');
          }
          count(message.usage);
          return [
            { type: 'raw', data },
            { type: 'finish', reason: finishReason(message.stop_reason) },
            { type: 'usage', usage: { ...usage } },
          ];
        }
        if (data.includes('"message_start"') || data.includes('"message_delta"')) {
          try {
            const event = JSON.parse(sseData(data)) as Anthropic.MessageStreamEvent;
            if (event.type === 'message_start') count(event.message.usage);
            else if (event.type === 'message_delta') {
              count(event.usage as Partial<Anthropic.Usage>);
              reason = finishReason(event.delta.stop_reason);
            }
          } catch {
            // passed on as it is: the client reads it
          }
        }
        return [{ type: 'raw', data }];
      },
      () =>
        streaming
          ? [
              { type: 'finish', reason },
              { type: 'usage', usage },
            ]
          : [],
    );
  }
}
