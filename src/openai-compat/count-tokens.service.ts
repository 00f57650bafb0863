import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { STRATEGIES } from '../common/strategies.js';
import { countChatTokens } from '../common/tokens.js';
import { ModelCaller } from '../models/model-caller.js';
import { ProviderError } from '../providers/provider.error.js';
import { GatewayModels } from './gateway-models.js';
import { OpenAiError } from './openai-error.js';
import { anthropicHeaders, STATUS_OF } from './upstream.js';
import { isRecord, type Json } from './wire-json.js';

/** Says whether `input_tokens` is the provider's count or ours. */
export const TOKEN_COUNT_HEADER = 'x-orchestratex-token-count';
const COUNT_TIMEOUT_MS = 30_000;

/** Every text of a Messages body that reaches the model: system, messages' blocks, tools' definitions. */
function textsOf(body: Json): string[] {
  const texts: string[] = [];
  const add = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(add);
    else if (isRecord(value)) {
      if (typeof value.text === 'string') texts.push(value.text);
      else if (value.type === 'tool_use') texts.push(`${String(value.name)} ${JSON.stringify(value.input ?? {})}`);
      else if (value.type === 'tool_result') add(value.content);
      else if (value.content !== undefined) add(value.content);
    }
  };
  add(body.system);
  for (const message of body.messages as unknown[]) add(isRecord(message) ? message.content : message);
  if (Array.isArray(body.tools)) texts.push(JSON.stringify(body.tools));
  return texts;
}

/**
 * `POST /v1/messages/count_tokens` (Claude Code calls it before each request): an Anthropic
 * model's count comes from Anthropic (the client's headers passed on); any other model's is counted
 * here with the o200k tokenizer and marked an estimate (`x-orchestratex-token-count: estimate`).
 * No model is called, nothing is priced.
 */
@Injectable()
export class CountTokensService {
  constructor(
    private readonly models: GatewayModels,
    private readonly caller: ModelCaller,
    private readonly limits: KeyLimitsService,
  ) {}

  async count(principal: Principal, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = request.body as Json;
    if (typeof body.model !== 'string' || body.model.trim() === '')
      throw new OpenAiError(400, 'model: Field required', { param: 'model' });
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      throw new OpenAiError(400, 'messages: must be a non-empty array', { param: 'messages' });
    const name = body.model.trim();
    // A strategy's team is several models: the count is ours.
    if (STRATEGIES.some((strategy) => name === `orchestratex/${strategy}`)) return this.estimate(body, reply);
    const [item] = await this.models.resolve([name], 'chat');
    await this.limits.requireModels(principal.keyId, [item.id]);
    const target = this.caller.target(item);
    if (target?.adapter.protocol === 'anthropic' && target.adapter.countTokens !== undefined) {
      const { model: _ours, ...rest } = body;
      try {
        const tokens = await target.adapter.countTokens(
          target.model,
          rest,
          AbortSignal.timeout(COUNT_TIMEOUT_MS),
          anthropicHeaders(request.headers),
        );
        void reply.header(TOKEN_COUNT_HEADER, 'provider').send({ input_tokens: tokens });
        return;
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        throw new OpenAiError(STATUS_OF[error.errorClass], `${item.id}: ${error.message}`, { code: error.errorClass });
      }
    }
    this.estimate(body, reply);
  }

  private estimate(body: Json, reply: FastifyReply): void {
    void reply.header(TOKEN_COUNT_HEADER, 'estimate').send({ input_tokens: countChatTokens(textsOf(body)) });
  }
}
