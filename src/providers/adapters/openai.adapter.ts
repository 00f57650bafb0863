import OpenAI from 'openai';
import type { CompletionRequest, FinishReason, ProviderAdapter, ProviderEvent } from '../provider.types.js';
import { cancelled, fromSdkError, idleTimeout } from './sdk-errors.js';

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

  async *stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const watchdog = idleTimeout(this.options.timeoutMs, signal, this.options.provider, request.model);
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages,
          stream: true,
          stream_options: { include_usage: true },
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.json ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal: watchdog.signal },
      );
      for await (const chunk of stream) {
        // The clock runs while we wait for the upstream, not while the caller handles a chunk.
        watchdog.stop();
        const choice = chunk.choices[0];
        if (choice?.delta?.content) yield { type: 'delta', text: choice.delta.content };
        if (choice?.finish_reason) yield { type: 'finish', reason: finishReason(choice.finish_reason) };
        if (chunk.usage) {
          yield {
            type: 'usage',
            usage: {
              inputTokens: chunk.usage.prompt_tokens,
              outputTokens: chunk.usage.completion_tokens,
              cachedInputTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
              reasoningTokens: chunk.usage.completion_tokens_details?.reasoning_tokens ?? 0,
            },
          };
        }
        watchdog.arm();
      }
    } catch (error) {
      throw fromSdkError(error, this.options.provider, request.model, watchdog.signal);
    } finally {
      watchdog.stop();
    }
    // The SDK ends a stream quietly when it is aborted: the caller must still hear of it.
    if (watchdog.signal.aborted) throw cancelled(this.options.provider, request.model, watchdog.signal);
  }
}
