import { HttpException, Injectable, Logger, OnApplicationBootstrap, ServiceUnavailableException } from '@nestjs/common';
import { Types } from 'mongoose';
import { Cluster } from '../../cluster/cluster.js';
import type { CatalogueItem } from '../../models/catalogue-item.js';
import type { CompletionRequest, NormalizedUsage } from '../../providers/provider.types.js';
import { ApiKeysRepository } from '../api-keys.repository.js';
import { KeyLimitExceeded } from './key-limit.error.js';
import {
  callBound,
  clientBody,
  hasBudget,
  modelAllowed,
  toolAllowed,
  type KeyBudget,
  type CallBound,
  type KeyLimits,
} from './key-limits.js';
import { unpricedItemsOf } from './unpriced-items.js';
import { isRefusal, KeyMeter, type KeySpend, type Refusal } from './key-meter.js';

/** How long a key's limits are used without reading them again (a change here is seen at once). */
const LIMITS_TTL_MS = 10_000;
/** Where a change of a key's limits is announced to every process of a cluster. */
export const LIMITS_CHANNEL = 'key-limits-changed';

/** A call's reservation against its key's limits, settled once the call ends. */
export interface Hold {
  keyId: string;
  /** Null: the key has no budget or tpm to hold against; the call is only counted. */
  id: string | null;
  bound: CallBound;
}

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))}s`;

const BUDGET_WORDS: Record<KeyBudget, string> = {
  usdPerDay: 'its spend limit for today (UTC)',
  usdPerMonth: 'its spend limit for this month (UTC)',
  usdTotal: 'its total spend limit',
};

/**
 * A key's limits, enforced: models outside its allow-list are refused (403); a request past its
 * rpm and a call whose most (`callBound`) does not fit in what is left of a budget or of its tpm
 * are refused (429) before anything is sent; a call's hold is replaced by its real cost and tokens
 * when it ends. Every call of every key is counted, so limits set later start from the real spend.
 */
@Injectable()
export class KeyLimitsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(KeyLimitsService.name);
  private readonly cache = new Map<string, { limits: KeyLimits | null; until: number }>();

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly meter: KeyMeter,
    private readonly cluster: Cluster,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.cluster.enabled) return;
    this.cluster.subscribe(LIMITS_CHANNEL, (keyId) => this.cache.delete(keyId));
    await this.cluster.subscribed();
  }

  /** The limits of a stored key (null: none set, or a key with no record such as ADMIN_API_KEY). */
  async limitsOf(keyId: string): Promise<KeyLimits | null> {
    if (!Types.ObjectId.isValid(keyId) || keyId.length !== 24) return null;
    const now = Date.now();
    const cached = this.cache.get(keyId);
    if (cached !== undefined && cached.until > now) return cached.limits;
    const record = await this.keys.findById(keyId);
    const limits = record?.limits ?? null;
    this.cache.set(keyId, { limits, until: now + LIMITS_TTL_MS });
    return limits;
  }

  /** Forgets a key's limits here and in every process of a cluster (they were changed). */
  async changed(keyId: string): Promise<void> {
    this.cache.delete(keyId);
    if (this.cluster.enabled) await this.cluster.publish(LIMITS_CHANNEL, keyId);
  }

  /**
   * Counts a request of the key against its rpm; a request past it is a 429. Returns the
   * `x-ratelimit-*-requests` headers when the key has an rpm.
   */
  async admit(keyId: string): Promise<Record<string, string>> {
    const limits = await this.limitsOf(keyId);
    if (limits?.rpm === null || limits?.rpm === undefined) return {};
    const state = await unavailableWhenFailing(this.meter.hit(keyId, limits.rpm, Date.now()));
    if (isRefusal(state)) throw this.refusal(limits, state);
    return {
      'x-ratelimit-limit-requests': String(limits.rpm),
      'x-ratelimit-remaining-requests': String(state.remaining),
      'x-ratelimit-reset-requests': seconds(state.resetMs),
    };
  }

  /** A 403 naming the first model the key may not use. */
  async requireModels(keyId: string, modelIds: string[]): Promise<void> {
    this.checkModels(await this.limitsOf(keyId), modelIds);
  }

  /** A 403 naming the first of the MCP tools (`server/tool`) the key may not use. */
  async requireTools(keyId: string | null, tools: { server: string; tool: string }[]): Promise<void> {
    const limits = keyId === null ? null : await this.limitsOf(keyId);
    const forbidden = tools.find((t) => !toolAllowed(limits, t.server, t.tool));
    if (forbidden === undefined) return;
    throw new KeyLimitExceeded(
      403,
      `This API key may not use the tool '${forbidden.server}/${forbidden.tool}' (allowed: ${limits?.tools?.join(', ') || 'none'})`,
      'tools',
    );
  }

  /** Whether the key may use a model (the engine leaves the others out of a run's candidates). */
  async allows(keyId: string | null): Promise<(modelId: string) => boolean> {
    const limits = keyId === null ? null : await this.limitsOf(keyId);
    return (modelId) => modelAllowed(limits, modelId);
  }

  /** Holds a call's most against the key's budgets and tpm, or refuses it (KeyLimitExceeded). */
  async hold(keyId: string, items: CatalogueItem[], request: CompletionRequest): Promise<Hold> {
    const limits = await this.limitsOf(keyId);
    const bound = callBound(items, request);
    if (limits === null) return { keyId, id: null, bound };
    this.checkModels(
      limits,
      items.map((item) => item.id),
    );
    if (!hasBudget(limits) && limits.tpm === null) return { keyId, id: null, bound };
    if (hasBudget(limits) && bound.usd === null) {
      const unpriced = items.filter((item) => item.pricing === null).map((item) => item.id);
      throw new KeyLimitExceeded(
        403,
        `This API key has a spend limit and the price of ${unpriced.join(', ')} is unknown, so its calls cannot be held to it; set a price (PATCH /api/models/:id) or use another model`,
        'models',
      );
    }
    if (hasBudget(limits)) this.holdUnpriced(limits, request, bound);
    const held = await unavailableWhenFailing(this.meter.reserve(keyId, limits, bound, Date.now()));
    if (isRefusal(held)) throw this.refusal(limits, held, bound);
    return { keyId, id: held, bound };
  }

  /**
   * Adds to the bound the ceiling an admin set on the key for each file and hosted tool the
   * request asks for; a 403 naming the first one the key has no ceiling for (its cost has no bound).
   */
  private holdUnpriced(limits: KeyLimits, request: CompletionRequest, bound: CallBound): void {
    if (request.kind !== 'relay') return; // the engine's chats carry no files or tools
    for (const [kind, count] of unpricedItemsOf(clientBody(request))) {
      const ceiling = limits.unpriced?.[kind];
      if (ceiling === undefined) {
        throw new KeyLimitExceeded(
          403,
          `This API key has a spend limit, and the request's ${kind === 'file' ? 'file (by id or URL)' : kind === 'other' ? 'hosted tool (of a type counted as other)' : `hosted tool ${kind}`} is billed by the provider beyond its tokens, so no hold can bound it; an admin may allow it with a USD ceiling per use: PATCH /api/keys/:id {"limits":{"unpriced":{"${kind}":0.1}}}`,
          'unpriced',
        );
      }
      if (bound.usd !== null) bound.usd += ceiling * count;
    }
  }

  /** Replaces a hold with the call's real cost and tokens (its most, where the provider told neither). */
  settle(hold: Hold, costUsd: number | null, usage: NormalizedUsage | null): void {
    const usd = costUsd ?? hold.bound.usd ?? 0;
    const tokens = usage === null ? hold.bound.tokens : usage.inputTokens + usage.outputTokens;
    this.meter
      .settle(hold.keyId, hold.id, usd, tokens, Date.now())
      .catch((error: unknown) =>
        this.logger.warn(
          `Settling a call of key ${hold.keyId} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  }

  spend(keyId: string): Promise<KeySpend> {
    return this.meter.spend(keyId, Date.now());
  }

  /** A 403 naming the first of `modelIds` outside the key's allow-list. */
  private checkModels(limits: KeyLimits | null, modelIds: string[]): void {
    const forbidden = modelIds.find((id) => !modelAllowed(limits, id));
    if (forbidden === undefined) return;
    const allowed = limits?.models?.join(', ') || 'none';
    throw new KeyLimitExceeded(
      403,
      `This API key may not use the model '${forbidden}' (allowed: ${allowed})`,
      'models',
    );
  }

  private refusal(limits: KeyLimits, refusal: Refusal, bound?: CallBound): KeyLimitExceeded {
    const retry = refusal.retryAfterMs ?? undefined;
    const headers: Record<string, string> = { 'x-orchestratex-limit': refusal.limit };
    const reset = retry === undefined ? 'never' : seconds(retry);
    if (refusal.limit === 'rpm') {
      const rpm = limits.rpm ?? 0;
      Object.assign(headers, {
        'x-ratelimit-limit-requests': String(rpm),
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': reset,
      });
      return new KeyLimitExceeded(
        429,
        `Rate limit reached: this API key may make ${rpm} requests per minute (rpm); try again in ${reset}`,
        'rpm',
        retry,
        headers,
      );
    }
    if (refusal.limit === 'tpm') {
      const tpm = limits.tpm ?? 0;
      Object.assign(headers, {
        'x-ratelimit-limit-tokens': String(tpm),
        'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(tpm - refusal.used))),
        'x-ratelimit-reset-tokens': reset,
      });
      const alone = bound !== undefined && bound.tokens > tpm;
      return new KeyLimitExceeded(
        429,
        alone
          ? `This request may use up to ${bound.tokens} tokens, more than this API key's ${tpm} tokens per minute (tpm); send a smaller max_tokens or a shorter prompt`
          : `Rate limit reached: this API key may use ${tpm} tokens per minute (tpm), ${Math.floor(refusal.used)} are used or held; this request may use up to ${bound?.tokens ?? 0}; try again in ${reset}`,
        'tpm',
        retry,
        headers,
      );
    }
    const limit = limits[refusal.limit] ?? 0;
    const left = Math.max(0, limit - refusal.used);
    Object.assign(headers, {
      'x-ratelimit-limit-usd': String(limit),
      'x-ratelimit-remaining-usd': left.toFixed(6),
      'x-ratelimit-reset-usd': reset,
    });
    return new KeyLimitExceeded(
      429,
      `Budget reached: this call may cost up to $${(bound?.usd ?? 0).toFixed(6)} and only $${left.toFixed(6)} is left of ${BUDGET_WORDS[refusal.limit]}, ${refusal.limit} = $${limit} (spent or held: $${refusal.used.toFixed(6)})` +
        (retry === undefined ? '' : `; it resets in ${reset}`) +
        '; a smaller max_tokens holds less',
      refusal.limit,
      retry,
      headers,
    );
  }
}

/** How long a client told that limits cannot be checked is asked to wait. */
const UNAVAILABLE_RETRY_MS = 5000;

/** Limits that cannot be checked (Redis away): a 503 with Retry-After, never a request kept waiting. */
export class LimitsUnavailable extends ServiceUnavailableException {
  readonly retryAfterMs = UNAVAILABLE_RETRY_MS;

  constructor() {
    super("This API key's limits cannot be checked now (their store does not answer); try again shortly");
  }
}

async function unavailableWhenFailing<T>(check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof HttpException) throw error;
    throw new LimitsUnavailable();
  }
}
