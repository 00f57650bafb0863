import { Injectable } from '@nestjs/common';
import { readChatRequest } from '../chat-request.js';
import { orxId } from '../chunk-writer.js';
import { GatewayModels } from '../gateway-models.js';
import { ORCHESTRATE } from '../gateway-runs.service.js';
import {
  anthropicEvent,
  fromOpenAiCompletion,
  OpenAiToAnthropicStream,
  toOpenAiRequest,
} from '../messages-translation.js';
import { anthropicErrorType, OpenAiError } from '../openai-error.js';
import { ResponseCache } from '../response-cache.js';
import { anthropicHeaders, withModel } from '../upstream.js';
import type { GatewayPlan, GatewayRequest } from './dialect.js';

/**
 * Anthropic's Messages API (`POST /v1/messages`) for every catalogue model: an Anthropic model gets
 * the client's body as it is (its events back as the provider sent them, the client's
 * `anthropic-version` and `anthropic-beta` passed on), the others its translation onto Chat
 * Completions (and their answer back as a message); `orchestratex/<strategy>` a run.
 */
@Injectable()
export class MessagesDialect {
  constructor(
    private readonly gatewayModels: GatewayModels,
    private readonly cache: ResponseCache,
  ) {}

  async plan(request: GatewayRequest): Promise<GatewayPlan> {
    const { body } = request;
    const { model, messages, max_tokens: maxTokens, stream } = body;
    if (typeof model !== 'string' || model.trim() === '')
      throw new OpenAiError(400, 'model: Field required', { param: 'model' });
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) {
      throw new OpenAiError(400, 'max_tokens: must be a positive integer (the Messages API requires it)', {
        param: 'max_tokens',
      });
    }
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new OpenAiError(400, 'messages: must be a non-empty array', { param: 'messages' });
    }
    if (stream !== undefined && typeof stream !== 'boolean')
      throw new OpenAiError(400, 'stream: must be a boolean', { param: 'stream' });
    const id = await this.gatewayModels.idOf(model.trim());
    if (id.startsWith(ORCHESTRATE)) {
      this.cache.refuseForRuns(request.headers);
      return {
        run: readChatRequest({ ...toOpenAiRequest(body), model: id, stream: stream === true }),
        wire: 'anthropic',
      };
    }
    const { model: _id, ...client } = body;
    let translator: OpenAiToAnthropicStream | undefined;
    return {
      relay: {
        ids: [id],
        stream: stream === true,
        headers: { anthropic: anthropicHeaders(request.headers) },
        cache: await this.cache.planFor('messages', request, [id], stream === true, client),
        bodies: (protocols) => ({
          anthropic: client,
          ...(protocols.has('openai') ? { openai: toOpenAiRequest(body) } : {}),
        }),
        event: (data, answering, protocol) => {
          if (protocol === 'anthropic') return [withModel(data, answering.id)];
          translator ??= new OpenAiToAnthropicStream(orxId('msg_'), answering.id);
          return translator.push(data);
        },
        whole: (data, answering, protocol) =>
          protocol === 'anthropic'
            ? withModel(data, answering.id)
            : fromOpenAiCompletion(data, orxId('msg_'), answering.id),
        streamError: (error) => [
          anthropicEvent('error', { error: { type: anthropicErrorType(error.getStatus()), message: error.message } }),
        ],
      },
    };
  }
}
