import { Injectable } from '@nestjs/common';
import type { CatalogueItem } from '../../models/catalogue-item.js';
import { ModelCaller } from '../../models/model-caller.js';
import { AnthropicToOpenAiStream, fromAnthropicMessage, toAnthropicRequest } from '../anthropic-translation.js';
import { completionId, orxId } from '../chunk-writer.js';
import { GatewayModels } from '../gateway-models.js';
import { ORCHESTRATE } from '../gateway-runs.service.js';
import { mcpPlanOf } from '../mcp-tool-request.js';
import { OpenAiError } from '../openai-error.js';
import { ResponseCache } from '../response-cache.js';
import { chatToResponse, ChatToResponsesStream, responsesToChat, STATEFUL } from '../responses-translation.js';
import { withModel } from '../upstream.js';
import { asksForNothing } from '../wire-json.js';
import type { GatewayPlan, GatewayRequest } from './dialect.js';

/**
 * OpenAI's Responses API (`POST /v1/responses`), stateless (no stored responses): to an OpenAI
 * model the client's body as it is and its events back untouched; the others get it translated
 * onto Chat Completions (Anthropic's on through their own translation) and their answer back as a
 * Response or Responses events.
 */
@Injectable()
export class ResponsesDialect {
  constructor(
    private readonly gatewayModels: GatewayModels,
    private readonly caller: ModelCaller,
    private readonly cache: ResponseCache,
  ) {}

  async plan(request: GatewayRequest): Promise<GatewayPlan> {
    const { body } = request;
    const { model, input, stream } = body;
    if (typeof model !== 'string' || model.trim() === '')
      throw new OpenAiError(400, 'you must provide a model parameter', { param: 'model', code: 'invalid_value' });
    for (const field of STATEFUL) {
      if (!asksForNothing(field, body[field])) {
        throw new OpenAiError(400, `${field}: this gateway keeps no responses; send the whole input each time`, {
          param: field,
          code: 'invalid_value',
        });
      }
    }
    if (input === undefined || input === null || input === '')
      throw new OpenAiError(400, 'input: required (a string or an array of items)', {
        param: 'input',
        code: 'invalid_value',
      });
    if (stream !== undefined && stream !== null && typeof stream !== 'boolean')
      throw new OpenAiError(400, 'stream must be a boolean', { param: 'stream', code: 'invalid_value' });
    const id = await this.gatewayModels.idOf(model.trim());
    if (id.startsWith(ORCHESTRATE)) {
      throw new OpenAiError(400, `${id}: orchestrations answer on /v1/chat/completions and /v1/messages`, {
        param: 'model',
        code: 'invalid_value',
      });
    }
    // mcp tools: the gateway runs their loop itself, on any chat model.
    const mcp = mcpPlanOf(id, body);
    if (mcp !== null) return { mcp };
    const native = (item: CatalogueItem) => item.provider === 'openai' && this.caller.protocolOf(item) === 'openai';
    const { model: _id, ...client } = body;
    const responseId = orxId('resp_');
    let chat: ChatToResponsesStream | undefined;
    let anthropic: AnthropicToOpenAiStream | undefined;
    return {
      relay: {
        ids: [id],
        stream: stream === true,
        cache: await this.cache.planFor('responses', request, [id], stream === true, client),
        bodies: (protocols, chosen) => {
          if (native(chosen[0])) return { openai: client, endpoint: 'responses' };
          const translated = responsesToChat(body);
          return {
            openai: translated,
            ...(protocols.has('anthropic') ? { anthropic: toAnthropicRequest(translated) } : {}),
            endpoint: 'chat',
          };
        },
        event: (data, answering, protocol) => {
          if (native(answering)) return [withModel(data, answering.id)];
          chat ??= new ChatToResponsesStream(responseId, answering.id, body);
          if (protocol === 'openai') return chat.push(data);
          anthropic ??= new AnthropicToOpenAiStream(completionId(), answering.id, true);
          return anthropic.push(data).flatMap((line) => chat?.push(line) ?? []);
        },
        whole: (data, answering, protocol) => {
          if (native(answering)) return withModel(data, answering.id);
          const completion = protocol === 'openai' ? data : fromAnthropicMessage(data, completionId(), answering.id);
          return chatToResponse(completion, responseId, answering.id, body);
        },
        streamError: (error) => [
          `event: error\ndata: ${JSON.stringify({ type: 'error', code: error.details.code ?? null, message: error.message, param: null })}`,
        ],
      },
    };
  }
}
