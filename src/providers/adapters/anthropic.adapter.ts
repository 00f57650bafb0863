import type Anthropic from '@anthropic-ai/sdk';
import { requireWhenNeeded } from '../../common/lazy-require.js';
import type { ChatRequest, FinishReason, NormalizedUsage, ProviderAdapter, ProviderEvent } from '../provider.types.js';
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
    const messages = request.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
    const body = {
      model,
      max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages,
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
          return [
            ...(text === '' ? [] : [{ type: 'delta' as const, text }]),
            { type: 'finish', reason: finishReason(message.stop_reason) },
            { type: 'usage', usage },
          ];
        },
      );
    }
    let reason: FinishReason = 'other';
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
        } else if (event.type === 'message_delta') {
          usage.outputTokens = event.usage.output_tokens;
          reason = finishReason(event.delta.stop_reason);
        }
        return [];
      },
      () => [
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
