import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Principal } from '../auth/principal.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import type { CatalogueItem } from '../models/catalogue-item.js';
import { ModelCaller } from '../models/model-caller.js';
import { CacheHits } from './cache-hits.js';
import type { RelayPlan } from './dialects/dialect.js';
import { GatewayModels } from './gateway-models.js';
import { OpenAiError } from './openai-error.js';
import { CACHE_HEADER, ResponseCache } from './response-cache.js';
import type { RelaySink } from './relay-sink.js';
import { SemanticCache, SIMILARITY_HEADER } from './semantic-cache.js';
import { STATUS_OF } from './upstream.js';

/**
 * One call of catalogue models for a client of any dialect, with no transport: the models checked
 * against the catalogue and the key, the request counted, the cache asked, the dialect's bodies sent
 * through the resilience layer (fallbacks, retries, usage recorded), and the answer handed to the
 * sink in the client's dialect. A failure before the answer began is thrown; one after it began
 * ends the stream with the dialect's error event.
 */
@Injectable()
export class GatewayRelay {
  private readonly logger = new Logger(GatewayRelay.name);

  constructor(
    private readonly caller: ModelCaller,
    private readonly limits: KeyLimitsService,
    private readonly gatewayModels: GatewayModels,
    private readonly cache: ResponseCache,
    private readonly hits: CacheHits,
    private readonly semantic: SemanticCache,
  ) {}

  async relay(
    principal: Principal,
    plan: RelayPlan,
    sink: RelaySink,
    started: number,
    signal: AbortSignal,
  ): Promise<void> {
    const chosen = await this.gatewayModels.resolve(plan.ids, plan.kind ?? 'chat');
    await this.limits.requireModels(
      principal.keyId,
      chosen.map((item) => item.id),
    );
    for (const [name, value] of Object.entries(await this.limits.admit(principal.keyId))) sink.header(name, value);
    let vector: Float32Array | undefined;
    if (plan.cache !== undefined) {
      const hit = await this.cache.get(plan.cache.key);
      if (hit !== undefined) return this.hits.answer(principal, sink, hit, started);
      if (plan.cache.semantic !== undefined) {
        // The cache is a saving, not a condition: a prompt it cannot embed is a miss, and said so in the log.
        const found = await this.semantic.nearest(principal, plan.cache.semantic, signal).catch((error: unknown) => {
          this.logger.warn(`Semantic cache lookup failed, answered as a miss: ${(error as Error).message}`);
          return { vector: undefined, near: [] };
        });
        vector = found.vector;
        for (const { key, similarity } of found.near) {
          const near = await this.cache.get(key);
          if (near === undefined) continue;
          sink.header(SIMILARITY_HEADER, similarity.toFixed(4));
          return this.hits.answer(principal, sink, near, started);
        }
      }
      sink.header(CACHE_HEADER, 'miss');
    }
    const captured: string[] = [];
    const protocols = new Set(chosen.map((item) => this.caller.protocolOf(item)));
    const { endpoint = 'chat', ...bodies } = plan.bodies(protocols, chosen);
    const upstreamStart = performance.now();
    let opened = false;
    const onEvent = (data: string, answering: CatalogueItem) => {
      if (!opened) {
        opened = true;
        sink.open(answering.id, upstreamStart - started);
      }
      for (const line of plan.event(data, answering, this.caller.protocolOf(answering))) {
        sink.event(line);
        if (plan.cache !== undefined) captured.push(line);
      }
    };
    let whole: { data: string; item: CatalogueItem } | undefined;
    const { call, item, cost, refusal } = await this.caller.call(
      chosen,
      { kind: 'relay', endpoint, bodies, headers: plan.headers },
      signal,
      { ownerId: principal.ownerId, keyId: principal.keyId, role: 'gateway', strategy: null, domain: null },
      undefined,
      (data, answering) => (plan.stream ? onEvent(data, answering) : (whole = { data, item: answering })),
    );
    if (refusal !== undefined) throw refusal;
    const upstreamMs = performance.now() - upstreamStart;
    const failure = call.error;
    if (failure !== null) {
      const which = chosen.length === 1 ? item.id : `${chosen.map((c) => c.id).join(', ')} all failed; the last`;
      const error = new OpenAiError(STATUS_OF[failure.errorClass], `${which}: ${failure.message}`, {
        type: failure.errorClass === 'rate_limited' ? 'rate_limit_error' : 'api_error',
        code: failure.errorClass,
      });
      if (!opened || plan.streamError === undefined) throw error;
      for (const line of plan.streamError(error)) sink.event(line);
      return sink.close();
    }
    const keep = (answer: { body?: string; events?: string[] }) => {
      const cache = plan.cache;
      if (cache === undefined) return;
      const entry = { modelId: item.id, provider: item.provider, usage: call.usage, costUsd: cost.totalUsd, ...answer };
      this.cache
        .set(cache.key, entry, cache.maxAgeMs)
        .then(() => {
          if (cache.semantic !== undefined && vector !== undefined)
            return this.semantic.add(cache.semantic.bucket, cache.key, vector, cache.maxAgeMs);
        })
        .catch(() => undefined);
    };
    // A stream ends with the provider's own last event, or the translator's.
    if (plan.stream) {
      keep({ events: captured });
      return sink.close();
    }
    if (whole === undefined)
      throw new OpenAiError(502, `${item.id}: the provider sent no answer`, { code: 'malformed' });
    const answer = plan.whole(whole.data, whole.item, this.caller.protocolOf(whole.item));
    const body = typeof answer === 'string' ? answer : JSON.stringify(answer);
    keep({ body });
    sink.whole(body, whole.item.id, performance.now() - started - upstreamMs);
  }
}
