import { Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { UsageRecorder, type CallUsage } from '../analytics/usage-recorder.js';
import type { CompletionRequest } from '../providers/provider.types.js';
import { ProvidersService, type CallOutcome } from '../providers/providers.service.js';
import type { Target } from '../providers/resilience.js';
import type { CatalogueItem } from './models.service.js';
import { callCost, type CallCost } from './pricing.js';

/** Where a call belongs, for its usage record: everything but what the call itself tells. */
export type CallContext = Pick<CallUsage, 'ownerId' | 'role' | 'strategy' | 'domain'> &
  Partial<Pick<CallUsage, 'sessionId' | 'threadId' | 'runId' | 'stepId'>>;

/** A call as every caller needs it: the outcome, the catalogue model that answered, its price and its record. */
export interface PricedCall {
  call: CallOutcome;
  /** The model that answered (a fallback, maybe), or the first one when none did. */
  item: CatalogueItem;
  cost: CallCost;
  usageId: Types.ObjectId;
}

/**
 * The one way to call a catalogue model, for every entry point (run steps, the model test, the
 * gateway): resolves the models' targets, calls through the resilience layer (retries, cooldowns,
 * fallbacks in order), prices the answer and records its usage once.
 */
@Injectable()
export class ModelCaller {
  private readonly logger = new Logger(ModelCaller.name);

  constructor(
    private readonly providers: ProvidersService,
    private readonly usage: UsageRecorder,
  ) {}

  /** How to call a model, or undefined when its provider is not configured. */
  target(item: Pick<CatalogueItem, 'provider' | 'model'>): Target | undefined {
    const adapter = this.providers.adapter(item.provider);
    return adapter && { provider: item.provider, model: item.model, adapter };
  }

  /**
   * Calls the first of `items` that answers (those whose provider is not configured are left
   * out); `onText` hears the answer's text as it streams, with the model writing it, and `onRaw`
   * the provider's own events on the fast path (`request.passthrough`).
   */
  async call(
    items: CatalogueItem[],
    request: Omit<CompletionRequest, 'model'>,
    signal: AbortSignal,
    context: CallContext,
    onText: (text: string, item: CatalogueItem) => void = () => undefined,
    onRaw?: (data: string, item: CatalogueItem) => void,
  ): Promise<PricedCall> {
    const byTarget = new Map(items.map((item) => [`${item.provider}/${item.model}`, item]));
    const itemOf = (target: Target | undefined) =>
      (target && byTarget.get(`${target.provider}/${target.model}`)) ?? items[0];
    const targets = items.map((item) => this.target(item)).filter((t): t is Target => t !== undefined);
    const call = await this.providers.call(
      targets,
      request,
      signal,
      (text, target) => onText(text, itemOf(target)),
      onRaw && ((data, target) => onRaw(data, itemOf(target))),
    );
    const item = itemOf(call.target);
    const cost = callCost(item.pricing, call.usage, call.error === null);
    if (!cost.known) {
      const why = item.pricing === null ? (item.pricingNote ?? 'no price') : 'the provider reported no usage';
      this.logger.warn(`Cost of a call to ${item.id} recorded as unknown: ${why}`);
    }
    const usageId = new Types.ObjectId();
    this.usage.record({
      ...context,
      id: usageId,
      provider: item.provider,
      modelId: item.id,
      usage: call.usage,
      costUsd: cost.totalUsd,
      latencyMs: call.latencyMs,
      ttftMs: call.timeToFirstTokenMs,
      status: call.error === null ? 'succeeded' : 'failed',
      errorClass: call.error?.errorClass ?? null,
    });
    return { call, item, cost, usageId };
  }
}
