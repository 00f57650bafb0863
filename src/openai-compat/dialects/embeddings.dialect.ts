import { Injectable } from '@nestjs/common';
import { OpenAiError } from '../openai-error.js';
import { ResponseCache } from '../response-cache.js';
import { withModel } from '../upstream.js';
import type { GatewayPlan, GatewayRequest } from './dialect.js';

/**
 * OpenAI's Embeddings (`POST /v1/embeddings`): the client's body to an embedding model of the
 * catalogue as it is (model id swapped), the provider's bytes back with the catalogue id.
 */
@Injectable()
export class EmbeddingsDialect {
  constructor(private readonly cache: ResponseCache) {}

  async plan(request: GatewayRequest): Promise<GatewayPlan> {
    const { body } = request;
    const { model, input } = body;
    if (typeof model !== 'string' || model.trim() === '')
      throw new OpenAiError(400, 'you must provide a model parameter', { param: 'model', code: 'invalid_value' });
    const empty = input === undefined || input === null || input === '' || (Array.isArray(input) && input.length === 0);
    if (empty || (typeof input !== 'string' && !Array.isArray(input))) {
      throw new OpenAiError(400, 'input must be a non-empty string or array (of strings or token arrays)', {
        param: 'input',
        code: 'invalid_value',
      });
    }
    const ids = [model.trim()];
    return {
      relay: {
        ids,
        kind: 'embedding',
        stream: false,
        cache: await this.cache.planFor('embeddings', request, ids, false, body),
        bodies: () => ({ openai: body, endpoint: 'embeddings' }),
        event: () => [],
        whole: (data, answering) => withModel(data, answering.id),
      },
    };
  }
}
