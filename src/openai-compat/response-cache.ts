import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { Cluster } from '../cluster/cluster.js';
import { AppConfig } from '../config/app-config.js';
import type { NormalizedUsage } from '../providers/provider.types.js';
import { canonicalJson } from '../common/canonical-json.js';
import { OpenAiError } from './openai-error.js';
import type { Json } from './wire-json.js';
import type { CachePlan, GatewayRequest } from './dialects/dialect.js';
import type { WireApi } from './wire-shapes.js';
import { PROMPT_FIELDS, promptText, SemanticCache } from './semantic-cache.js';

/** The header a client asks for a cached answer with (`max-age=<seconds>`), and that says hit or miss. */
export const CACHE_HEADER = 'x-orchestratex-cache';
const MAX_AGE_S = 7 * 24 * 3600;
/** Fields that do not change the answer: left out of the key. */
const UNKEYED = new Set(['stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier', 'fallbacks']);

/** An answer as the client got it: the whole body, or each stream event, with what the call cost. */
export interface CachedAnswer {
  modelId: string;
  provider: string;
  body?: string;
  events?: string[];
  usage: NormalizedUsage | null;
  costUsd: number | null;
}

/**
 * The gateway's exact response cache (opt-in: `x-orchestratex-cache: max-age=<seconds>`): the same
 * owner's same request (model, messages, tools, parameters; streamed or not) within the age gets
 * the answer it got before, without a model call. Held in Redis with REDIS_URL (every instance
 * shares it), else in this process under RESPONSE_CACHE_MAX_BYTES (the least recently used go first).
 */
@Injectable()
export class ResponseCache {
  private readonly local = new Map<string, { text: string; until: number }>();
  private bytes = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly cluster: Cluster,
    private readonly limits: KeyLimitsService,
    private readonly semantic: SemanticCache,
  ) {}

  /**
   * What a request's header asks for: an age (ms) and, with `semantic=<threshold>`, the semantic
   * mode; null when it asks for none (no header, `no-store`). A malformed ask is a 400 naming the header.
   */
  askOf(header: string | string[] | undefined): { maxAgeMs: number; semantic: number | null } | null {
    if (header === undefined || header === 'no-store') return null;
    const text = Array.isArray(header) ? header.join(',') : header;
    const directives = new Map(
      text.split(',').map((part) => {
        const [name, value = ''] = part.trim().split('=');
        return [name.toLowerCase(), value] as const;
      }),
    );
    const seconds = Number(directives.get('max-age'));
    const semantic = directives.has('semantic') ? Number(directives.get('semantic')) : null;
    const known = [...directives.keys()].every((name) => name === 'max-age' || name === 'semantic');
    const ageOk = /^\d{1,7}$/.test(directives.get('max-age') ?? '') && seconds >= 1 && seconds <= MAX_AGE_S;
    const semanticOk = semantic === null || (Number.isFinite(semantic) && semantic >= 0.5 && semantic <= 1);
    if (!known || !ageOk || !semanticOk) {
      throw new OpenAiError(
        400,
        `${CACHE_HEADER}: must be max-age=<seconds> (1 to ${MAX_AGE_S}), optionally with semantic=<similarity, 0.5 to 1>, or no-store`,
        { param: CACHE_HEADER, code: 'invalid_value' },
      );
    }
    return { maxAgeMs: seconds * 1000, semantic };
  }

  /** The key of a request: its API, its owner, the models it names, whether it streams, and what changes its answer. */
  keyOf(api: WireApi, ownerId: string | null, models: string[], stream: boolean, body: Json): string {
    const keyed = Object.fromEntries(Object.entries(body).filter(([k]) => !UNKEYED.has(k) && k !== 'model'));
    const text = canonicalJson({ api, ownerId, models, stream, body: keyed });
    return `orx:cache:${createHash('sha256').update(text).digest('hex')}`;
  }

  /**
   * The cache a request uses: the age (and semantic threshold) its header asks for, else its key's
   * default (none with `no-store`); per owner, or one for every owner where an admin made the key's
   * cache shared. The semantic mode needs a prompt (not on embeddings) and the cache's embedding model.
   */
  async planFor(
    api: WireApi,
    request: GatewayRequest,
    ids: string[],
    stream: boolean,
    body: Record<string, unknown>,
  ): Promise<CachePlan | undefined> {
    const header = request.headers[CACHE_HEADER];
    const { principal } = request;
    const setting = (await this.limits.limitsOf(principal.keyId))?.cache ?? null;
    const asked =
      header !== undefined
        ? this.askOf(header)
        : setting === null
          ? null
          : { maxAgeMs: setting.maxAgeSeconds * 1000, semantic: setting.semanticThreshold ?? null };
    if (asked === null) return undefined;
    const owner = setting?.shared === true ? null : principal.ownerId;
    const plan: CachePlan = { key: this.keyOf(api, owner, ids, stream, body), maxAgeMs: asked.maxAgeMs };
    if (asked.semantic === null) return plan;
    if (api === 'embeddings') {
      throw new OpenAiError(
        400,
        `${CACHE_HEADER}: semantic compares prompts; embeddings are cached by exact input only`,
        {
          param: CACHE_HEADER,
          code: 'invalid_value',
        },
      );
    }
    this.semantic.modelId();
    const rest = Object.fromEntries(Object.entries(body).filter(([field]) => !PROMPT_FIELDS.includes(field)));
    const bucket = this.keyOf(api, owner, ids, stream, rest).replace('orx:cache:', 'orx:cache:semantic:');
    return { ...plan, semantic: { bucket, text: promptText(body), threshold: asked.semantic } };
  }

  /** A run is never cached: asking for it is a 400 naming the header (a malformed ask too). */
  refuseForRuns(headers: GatewayRequest['headers']): void {
    if (this.askOf(headers[CACHE_HEADER]) !== null) {
      throw new OpenAiError(400, `${CACHE_HEADER}: orchestratex/* runs are not cached (each is a new run)`, {
        param: CACHE_HEADER,
        code: 'invalid_value',
      });
    }
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    if (this.cluster.enabled) {
      const text = await this.cluster.redis.get(key);
      return text === null ? undefined : (JSON.parse(text) as CachedAnswer);
    }
    const entry = this.local.get(key);
    if (entry === undefined) return undefined;
    this.local.delete(key);
    if (entry.until <= Date.now()) {
      this.bytes -= entry.text.length;
      return undefined;
    }
    this.local.set(key, entry); // the most recently used, last
    return JSON.parse(entry.text) as CachedAnswer;
  }

  async set(key: string, answer: CachedAnswer, maxAgeMs: number): Promise<void> {
    const text = JSON.stringify(answer);
    if (this.cluster.enabled) {
      await this.cluster.redis.set(key, text, 'PX', maxAgeMs);
      return;
    }
    const bound = this.config.responseCacheMaxBytes;
    if (text.length > bound) return;
    const old = this.local.get(key);
    if (old !== undefined) {
      this.local.delete(key);
      this.bytes -= old.text.length;
    }
    this.local.set(key, { text, until: Date.now() + maxAgeMs });
    this.bytes += text.length;
    for (const [oldest, entry] of this.local) {
      if (this.bytes <= bound) break;
      this.local.delete(oldest);
      this.bytes -= entry.text.length;
    }
  }
}
