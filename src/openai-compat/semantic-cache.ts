import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { Cluster } from '../cluster/cluster.js';
import { AppConfig } from '../config/app-config.js';
import { ModelCaller } from '../models/model-caller.js';
import { GatewayModels } from './gateway-models.js';
import { OpenAiError } from './openai-error.js';
import { STATUS_OF } from './upstream.js';

/** The header that says how close the prompt of a semantic hit was to the cached one. */
export const SIMILARITY_HEADER = 'x-orchestratex-cache-similarity';
/** Prompts kept per bucket (the same owner, models and other fields); the oldest go first. */
const PER_BUCKET = 256;
/** Buckets kept in one process (without Redis); the least recently added go first. */
const BUCKETS = 4096;

/** A semantic lookup: the bucket of requests alike but for their prompt, the prompt, the least similarity. */
export interface SemanticAsk {
  bucket: string;
  text: string;
  threshold: number;
}

/** The fields that carry a request's prompt in each dialect: compared by meaning, the rest exactly. */
export const PROMPT_FIELDS = ['messages', 'system', 'input', 'instructions'];

/** Every text of a request's prompt, in order (message contents, content parts' text, system, instructions). */
export function promptText(body: Record<string, unknown>): string {
  const texts: string[] = [];
  const add = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(add);
    else if (typeof value === 'object' && value !== null) {
      const { text, content } = value as { text?: unknown; content?: unknown };
      if (typeof text === 'string') texts.push(text);
      else add(content);
    }
  };
  for (const field of PROMPT_FIELDS) add(body[field]);
  return texts.join('\n');
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length && i < b.length; i += 1) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
};

/**
 * The response cache's semantic mode: a prompt's vector from the catalogue's embedding model
 * (RESPONSE_CACHE_EMBEDDING_MODEL, a priced and recorded call with the role `cache`), compared with
 * the cached prompts of its bucket; the entries most similar above the threshold come first. The
 * vectors live beside the entries: in Redis with REDIS_URL (a hash per bucket), else in this process.
 */
@Injectable()
export class SemanticCache {
  private readonly local = new Map<string, { key: string; vector: Float32Array; until: number }[]>();

  constructor(
    private readonly config: AppConfig,
    private readonly cluster: Cluster,
    private readonly caller: ModelCaller,
    private readonly gatewayModels: GatewayModels,
  ) {}

  /** The embedding model, or a 400 saying the server has none. */
  modelId(): string {
    const model = this.config.responseCacheEmbeddingModel;
    if (model === null) {
      throw new OpenAiError(
        400,
        'x-orchestratex-cache: semantic needs an embedding model, and this server has none (RESPONSE_CACHE_EMBEDDING_MODEL)',
        { param: 'x-orchestratex-cache', code: 'invalid_value' },
      );
    }
    return model;
  }

  /** The prompt's vector, and the cached entries whose prompts are similar enough, most similar first. */
  async nearest(
    principal: Principal,
    ask: SemanticAsk,
    signal: AbortSignal,
  ): Promise<{ vector: Float32Array; near: { key: string; similarity: number }[] }> {
    const vector = await this.embed(principal, ask.text, signal);
    const near = (await this.entries(ask.bucket))
      .map((entry) => ({ key: entry.key, similarity: cosine(vector, entry.vector) }))
      .filter((entry) => entry.similarity >= ask.threshold)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, 3);
    return { vector, near };
  }

  /** Keeps a cached entry's prompt vector in its bucket for `maxAgeMs`. */
  async add(bucket: string, key: string, vector: Float32Array, maxAgeMs: number): Promise<void> {
    if (this.cluster.enabled) {
      const redis = this.cluster.redis;
      const field = `${bucket}:vectors`;
      if ((await redis.hlen(field)) >= PER_BUCKET) return;
      await redis.hset(field, key, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64'));
      await redis.pexpire(field, maxAgeMs);
      return;
    }
    const now = Date.now();
    const entries = (this.local.get(bucket) ?? []).filter((e) => e.until > now && e.key !== key);
    entries.push({ key, vector, until: now + maxAgeMs });
    this.local.delete(bucket);
    this.local.set(bucket, entries.slice(-PER_BUCKET));
    for (const oldest of this.local.keys()) {
      if (this.local.size <= BUCKETS) break;
      this.local.delete(oldest);
    }
  }

  private async entries(bucket: string): Promise<{ key: string; vector: Float32Array }[]> {
    if (this.cluster.enabled) {
      const stored = await this.cluster.redis.hgetall(`${bucket}:vectors`);
      return Object.entries(stored).map(([key, text]) => {
        const bytes = Buffer.from(text, 'base64');
        return { key, vector: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
      });
    }
    const now = Date.now();
    return (this.local.get(bucket) ?? []).filter((e) => e.until > now);
  }

  /** The text's vector from the embedding model: a call like any other, priced and recorded for the key. */
  private async embed(principal: Principal, text: string, signal: AbortSignal): Promise<Float32Array> {
    const chosen = await this.gatewayModels.resolve([this.modelId()], 'embedding');
    let answer: string | undefined;
    const { call, item, refusal } = await this.caller.call(
      chosen,
      { kind: 'relay', endpoint: 'embeddings', bodies: { openai: { model: chosen[0].id, input: text } } },
      signal,
      { ownerId: principal.ownerId, keyId: principal.keyId, role: 'cache', strategy: null, domain: null },
      undefined,
      (data) => (answer = data),
    );
    if (refusal !== undefined) throw refusal;
    if (call.error !== null) {
      throw new OpenAiError(
        STATUS_OF[call.error.errorClass],
        `${item.id} (the cache's embedding model): ${call.error.message}`,
        {
          type: 'api_error',
          code: call.error.errorClass,
        },
      );
    }
    const embedding = (JSON.parse(answer ?? '{}') as { data?: { embedding?: unknown }[] }).data?.[0]?.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0)
      throw new OpenAiError(502, `${item.id} (the cache's embedding model) sent no vector`, { code: 'malformed' });
    return Float32Array.from(embedding as number[]);
  }
}
