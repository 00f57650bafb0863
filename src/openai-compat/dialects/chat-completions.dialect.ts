import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { AnthropicToOpenAiStream, fromAnthropicMessage, toAnthropicRequest } from '../anthropic-translation.js';
import { readChatRequest } from '../chat-request.js';
import { completionId } from '../chunk-writer.js';
import { GatewayModels } from '../gateway-models.js';
import { ORCHESTRATE } from '../gateway-runs.service.js';
import { ResponseCache } from '../response-cache.js';
import { isUsageChunk, withModel } from '../upstream.js';
import type { GatewayPlan, GatewayRequest } from './dialect.js';

/**
 * OpenAI's Chat Completions (`POST /v1/chat/completions`): the client's body as it is to
 * OpenAI-compatible providers, its translation to Anthropic's (and the answer back); `fallbacks`
 * tried in order; `orchestratex/<strategy>` a run.
 */
@Injectable()
export class ChatCompletionsDialect {
  constructor(
    private readonly gatewayModels: GatewayModels,
    private readonly cache: ResponseCache,
    private readonly config: AppConfig,
  ) {}

  async plan(request: GatewayRequest): Promise<GatewayPlan> {
    const chat = readChatRequest(request.body);
    // STREAM_USAGE=always: clients that never ask (the OpenAI Agents SDK) still learn what a stream used.
    if (this.config.streamUsageAlways && chat.stream) chat.includeUsage = true;
    // An admin's alias or a bare name, as the id it stands for (a strategy included).
    chat.model = await this.gatewayModels.idOf(chat.model);
    if (chat.model.startsWith(ORCHESTRATE)) {
      this.cache.refuseForRuns(request.headers);
      return { run: chat, wire: 'openai' };
    }
    const ids = [chat.model, ...chat.fallbacks];
    // `fallbacks` is ours; the rest goes to the provider as the client sent it.
    const { fallbacks: _ours, ...forwarded } = chat.body;
    let translator: AnthropicToOpenAiStream | undefined;
    return {
      relay: {
        ids,
        stream: chat.stream,
        cache: await this.cache.planFor('chat', request, ids, chat.stream, forwarded),
        bodies: (protocols) => ({
          openai: forwarded,
          ...(protocols.has('anthropic') ? { anthropic: toAnthropicRequest(forwarded) } : {}),
        }),
        event: (data, answering, protocol) => {
          if (protocol === 'openai') {
            // The usage chunk was asked for on the client's behalf only when it did not ask itself.
            return !chat.includeUsage && isUsageChunk(data) ? [] : [withModel(data, answering.id)];
          }
          translator ??= new AnthropicToOpenAiStream(completionId(), answering.id, chat.includeUsage);
          return translator.push(data);
        },
        whole: (data, answering, protocol) =>
          protocol === 'openai'
            ? withModel(data, answering.id)
            : fromAnthropicMessage(data, completionId(), answering.id),
        streamError: (error) => [
          `data: ${JSON.stringify({ error: { message: error.message, type: error.details.type ?? 'api_error', param: null, code: error.details.code ?? null } })}`,
          'data: [DONE]',
        ],
      },
    };
  }
}
