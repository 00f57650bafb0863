import type { CatalogueItem } from './catalogue-item.js';
import { costOf } from './pricing.js';

/** The output ceiling of a model that states none. */
const DEFAULT_OUTPUT_CEILING = 128_000;

/** The most a call may use and cost, held against a limit before it is made. */
export interface CostBound {
  /** Input and output tokens at their most. */
  tokens: number;
  /** Null when the price of a model that may answer is unknown (then no limit can hold the call). */
  usd: number | null;
}

/**
 * The one estimator of what a call may cost, for a run's cost limit, a run's model choice and an
 * API key's budgets alike: `inputTokens` in (the caller counts them: a run's own prompt with the
 * tokenizer, a client's body as bytes), the output at its ceiling (`maxOutputTokens` when asked,
 * else the model's output limit; nothing for an embedding), no cache discount; over every model
 * that may answer the call (its fallbacks), the most any of them may take.
 */
export function costBound(
  items: readonly CatalogueItem[],
  inputTokens: number,
  maxOutputTokens?: number | null,
): CostBound {
  let tokens = 0;
  let usd: number | null = 0;
  for (const item of items) {
    const output =
      item.kind === 'embedding'
        ? 0
        : typeof maxOutputTokens === 'number' && maxOutputTokens > 0
          ? maxOutputTokens
          : (item.maxOutputTokens ?? item.contextWindow ?? DEFAULT_OUTPUT_CEILING);
    tokens = Math.max(tokens, inputTokens + output);
    const cost = costOf(item.pricing, {
      inputTokens,
      outputTokens: output,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    }).totalUsd;
    usd = usd === null || cost === null ? null : Math.max(usd, cost);
  }
  return { tokens, usd };
}
