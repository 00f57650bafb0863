import OpenAI from 'openai';
import type { CompletionRequest, FinishReason, ProviderAdapter, ProviderEvent } from '../provider.types.js';
import { guardedStream } from './sdk-errors.js';

export interface AdapterOptions {
  provider: string;
  apiKey: string;
  baseUrl: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

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

/** Chat Completions through the official SDK: OpenAI and every OpenAI-compatible API. */
export class OpenAiAdapter implements ProviderAdapter {
  readonly protocol = 'openai';
  private readonly client: OpenAI;

  constructor(private readonly options: AdapterOptions) {
    // Retries are ours (one resilience layer), so the SDK's are off.
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
  }

  stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    return guardedStream(
      this.options,
      request.model,
      signal,
      (guarded) =>
        this.client.chat.completions.create(
          {
            model: request.model,
            messages: request.messages,
            stream: true,
            stream_options: { include_usage: true },
            ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(request.json ? { response_format: { type: 'json_object' as const } } : {}),
          },
          { signal: guarded },
        ),
      (chunk) => {
        const events: ProviderEvent[] = [];
        const choice = chunk.choices[0];
        if (choice?.delta?.content) events.push({ type: 'delta', text: choice.delta.content });
        if (choice?.finish_reason) events.push({ type: 'finish', reason: finishReason(choice.finish_reason) });
        if (chunk.usage) {
          events.push({
            type: 'usage',
            usage: {
              inputTokens: chunk.usage.prompt_tokens,
              outputTokens: chunk.usage.completion_tokens,
              cachedInputTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
              reasoningTokens: chunk.usage.completion_tokens_details?.reasoning_tokens ?? 0,
            },
          });
        }
        return events;
      },
    );
  }
}
