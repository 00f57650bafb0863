import type { NormalizedUsage } from '../providers/provider.types.js';
import type { Pricing } from '../config/catalogue-entry.js';

/** The cost of one call in USD; every figure is null when the model's price is unknown. */
export interface CallCost {
  known: boolean;
  inputUsd: number | null;
  cachedInputUsd: number | null;
  outputUsd: number | null;
  totalUsd: number | null;
}

export const UNKNOWN_COST: CallCost = {
  known: false,
  inputUsd: null,
  cachedInputUsd: null,
  outputUsd: null,
  totalUsd: null,
};

const ZERO_COST: CallCost = { known: true, inputUsd: 0, cachedInputUsd: 0, outputUsd: 0, totalUsd: 0 };

/** A price of nothing for every token, at every tier (a local model, a free endpoint). */
export function isFree(pricing: Pricing | null): boolean {
  const zero = (r: Omit<Pricing, 'tiers' | 'source'>) =>
    r.inputPerMTok === 0 && r.outputPerMTok === 0 && (r.cachedInputPerMTok ?? 0) === 0;
  return pricing !== null && zero(pricing) && pricing.tiers.every(zero);
}

/**
 * The cost to record for a call: from its usage when the provider reported one; without usage, a
 * failed call is billed nothing when the price is known, and so is any call to a free model;
 * otherwise unknown.
 */
export function callCost(pricing: Pricing | null, usage: NormalizedUsage | null, succeeded: boolean): CallCost {
  if (usage !== null) return costOf(pricing, usage);
  return (!succeeded && pricing !== null) || isFree(pricing) ? ZERO_COST : UNKNOWN_COST;
}

/** The rates that apply to a call with this many input tokens (the highest tier it passes). */
export function ratesFor(pricing: Pricing, inputTokens: number): Omit<Pricing, 'tiers' | 'source'> {
  let rates: Omit<Pricing, 'tiers' | 'source'> = pricing;
  for (const tier of pricing.tiers) if (inputTokens > tier.aboveInputTokens) rates = tier;
  return rates;
}

/**
 * Usage × prices. Cached input is billed at the cached rate when the catalogue knows one, else as
 * ordinary input; reasoning tokens are output tokens and billed as such.
 */
export function costOf(pricing: Pricing | null, usage: NormalizedUsage): CallCost {
  if (pricing === null) return UNKNOWN_COST;
  const rates = ratesFor(pricing, usage.inputTokens);
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const inputUsd = ((usage.inputTokens - cached) * rates.inputPerMTok) / 1e6;
  const cachedInputUsd = (cached * (rates.cachedInputPerMTok ?? rates.inputPerMTok)) / 1e6;
  const outputUsd = (usage.outputTokens * rates.outputPerMTok) / 1e6;
  const totalUsd = inputUsd + cachedInputUsd + outputUsd;
  // Prices are bounded where they are set; should one still overflow, the cost is not a number to add.
  if (!Number.isFinite(totalUsd)) return UNKNOWN_COST;
  return { known: true, inputUsd, cachedInputUsd, outputUsd, totalUsd };
}
