import { Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { currentLogContext } from '../common/log-context.js';
import { currentTraceId, SpanKind, SpanStatusCode, withSpan } from '../common/tracing.js';
import { operationOf, requestAttributes, responseAttributes } from './call-span.js';
import type { CallUsage } from '../analytics/call-usage.js';
import { UsageRecorder } from '../analytics/usage-recorder.js';
import type { CompletionRequest } from '../providers/provider.types.js';
import { emptyOutcome, ProvidersService, type CallOutcome } from '../providers/providers.service.js';
import type { Target } from '../providers/resilience.js';
import type { CatalogueItem } from './catalogue-item.js';
import { callCost, UNKNOWN_COST, type CallCost } from './pricing.js';
import { KeyLimitExceeded } from '../auth/limits/key-limit.error.js';
import { LimitsUnavailable } from '../auth/limits/key-limits.service.js';
import { KeyLimitsService, type Hold } from '../auth/limits/key-limits.service.js';
import { ProviderError } from '../providers/provider.error.js';

/** Where a call belongs, for its usage record: everything but what the call itself tells. */
export type CallContext = Pick<CallUsage, 'ownerId' | 'role' | 'strategy' | 'domain'> & {
  /** The API key the call is made for: held to its limits and counted in its spend. */
  keyId: string | null;
} & Partial<Pick<CallUsage, 'sessionId' | 'threadId' | 'runId' | 'stepId'>>;

/** A call as every caller needs it: the outcome, the catalogue model that answered, its price and its record. */
export interface PricedCall {
  call: CallOutcome;
  /** The model that answered (a fallback, maybe), or the first one when none did. */
  item: CatalogueItem;
  cost: CallCost;
  usageId: Types.ObjectId;
  /** Set when the key's limits refused the call: nothing was sent, nothing recorded. */
  refusal?: KeyLimitExceeded | LimitsUnavailable;
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
    private readonly limits: KeyLimitsService,
  ) {}

  /** How to call a model, or undefined when its provider is not configured. */
  target(item: Pick<CatalogueItem, 'provider' | 'model'>): Target | undefined {
    const adapter = this.providers.adapter(item.provider);
    return adapter && { provider: item.provider, model: item.model, adapter };
  }

  /** The wire protocol the model's provider speaks (`openai`, `anthropic`), or undefined when it is not configured. */
  protocolOf(item: Pick<CatalogueItem, 'provider' | 'model'>): string | undefined {
    return this.target(item)?.adapter.protocol;
  }

  /**
   * Calls the first of `items` that answers (those whose provider is not configured are left
   * out); `onText` hears the answer's text as it streams, with the model writing it, and `onRaw`
   * the provider's own events of a relayed request (`RelayRequest`). The key's limits hold the
   * call's most before it is made (a refusal comes back as `refusal`) and its real cost after.
   */
  async call(
    items: CatalogueItem[],
    request: CompletionRequest,
    signal: AbortSignal,
    context: CallContext,
    onText: (text: string, item: CatalogueItem) => void = () => undefined,
    onRaw?: (data: string, item: CatalogueItem) => void,
  ): Promise<PricedCall> {
    const byTarget = new Map(items.map((item) => [`${item.provider}/${item.model}`, item]));
    const itemOf = (target: Target | undefined) =>
      (target && byTarget.get(`${target.provider}/${target.model}`)) ?? items[0];
    const targets = items.map((item) => this.target(item)).filter((t): t is Target => t !== undefined);
    let hold: Hold | undefined;
    if (context.keyId !== null && targets.length > 0) {
      try {
        hold = await this.limits.hold(context.keyId, items, request);
      } catch (error) {
        if (!(error instanceof KeyLimitExceeded) && !(error instanceof LimitsUnavailable)) throw error;
        return this.refused(items[0], targets[0], error);
      }
    }
    // The client went while its limits were checked: nothing goes upstream, nothing is billed.
    if (signal.aborted) {
      if (hold !== undefined) {
        this.limits.settle(hold, 0, { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 });
      }
      const gone = emptyOutcome(targets[0], new ProviderError('cancelled', 'The request was cancelled'));
      return { call: gone, item: items[0], cost: UNKNOWN_COST, usageId: new Types.ObjectId() };
    }
    const call = await withSpan(
      `${operationOf(request)} ${items[0].model}`,
      () => requestAttributes(items[0], request),
      async (span) => {
        const outcome = await this.providers.call(
          targets,
          request,
          signal,
          (text, target) => onText(text, itemOf(target)),
          onRaw && ((data, target) => onRaw(data, itemOf(target))),
          // An admin's model test is a health probe: its failures count towards the cooldown for everyone.
          context.role === 'test' ? undefined : context.ownerId,
        );
        if (span.isRecording()) {
          span.setAttributes(responseAttributes(itemOf(outcome.target), outcome));
          if (outcome.error !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
        }
        return outcome;
      },
      { kind: SpanKind.CLIENT },
    );
    const item = itemOf(call.target);
    const cost = callCost(item.pricing, call.usage, call.error === null);
    if (hold !== undefined) this.limits.settle(hold, cost.totalUsd, call.usage);
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
      errorMessage: call.error?.message ?? null,
      attempts: call.attempts,
      failedAttempts: call.failedAttempts,
      requestId: currentLogContext()?.requestId ?? null,
      traceId: currentTraceId(),
    });
    return { call, item, cost, usageId };
  }

  /** A call the key's limits refused, as a failed outcome (a run step fails with it). */
  private refused(item: CatalogueItem, target: Target, refusal: KeyLimitExceeded | LimitsUnavailable): PricedCall {
    const call = emptyOutcome(target, new ProviderError('key_limit', refusal.message));
    return { call, item, cost: UNKNOWN_COST, usageId: new Types.ObjectId(), refusal };
  }
}
