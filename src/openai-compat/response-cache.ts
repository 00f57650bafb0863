import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { Cluster } from '../cluster/cluster.js';
import { AppConfig } from '../config/app-config.js';
import type { NormalizedUsage } from '../providers/provider.types.js';
import { canonicalJson } from '../common/canonical-json.js';
import { OpenAiError } from './openai-error.js';
import type { Json } from './wire-json.js';
import type { GatewayRequest } from './dialects/dialect.js';
import type { WireApi } from './wire-shapes.js';

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
  ) {}

  /** The age a request asks for (ms), null when it asks for none; a malformed ask is a 400 naming the header. */
  maxAgeOf(header: string | string[] | undefined): number | null {
    if (header === undefined || header === 'no-store') return null;
    const seconds = /^\s*max-age=(\d{1,7})\s*$/.exec(Array.isArray(header) ? header.join(',') : header)?.[1];
    if (seconds === undefined || Number(seconds) < 1 || Number(seconds) > MAX_AGE_S) {
      throw new OpenAiError(400, `${CACHE_HEADER}: must be max-age=<seconds>, 1 to ${MAX_AGE_S}`, {
        param: CACHE_HEADER,
        code: 'invalid_value',
      });
    }
    return Number(seconds) * 1000;
  }

  /** The key of a request: its API, its owner, the models it names, whether it streams, and what changes its answer. */
  keyOf(api: WireApi, ownerId: string | null, models: string[], stream: boolean, body: Json): string {
    const keyed = Object.fromEntries(Object.entries(body).filter(([k]) => !UNKEYED.has(k) && k !== 'model'));
    const text = canonicalJson({ api, ownerId, models, stream, body: keyed });
    return `orx:cache:${createHash('sha256').update(text).digest('hex')}`;
  }

  /**
   * The cache a request uses: the age its header asks for, else its key's default (none with
   * `no-store`); per owner, or one for every owner where an admin made the key's cache shared.
   */
  async planFor(
    api: WireApi,
    request: GatewayRequest,
    ids: string[],
    stream: boolean,
    body: Record<string, unknown>,
  ): Promise<{ key: string; maxAgeMs: number } | undefined> {
    const asked = request.headers[CACHE_HEADER];
    const maxAgeMs = this.maxAgeOf(asked);
    const { principal } = request;
    const setting = (await this.limits.limitsOf(principal.keyId))?.cache ?? null;
    const age = maxAgeMs ?? (asked === undefined && setting !== null ? setting.maxAgeSeconds * 1000 : null);
    if (age === null) return undefined;
    const shared = setting?.shared === true;
    return { key: this.keyOf(api, shared ? null : principal.ownerId, ids, stream, body), maxAgeMs: age };
  }

  /** A run is never cached: asking for it is a 400 naming the header (a malformed ask too). */
  refuseForRuns(headers: GatewayRequest['headers']): void {
    if (this.maxAgeOf(headers[CACHE_HEADER]) !== null) {
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
