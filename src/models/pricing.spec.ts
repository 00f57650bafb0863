import type { Pricing } from '../config/catalogue-entry.js';
import { lookUpCatalogue } from './price-catalogues.js';
import { callCost, costOf, isFree } from './pricing.js';

const MINI: Pricing = { inputPerMTok: 0.75, outputPerMTok: 4.5, cachedInputPerMTok: 0.075, tiers: [], source: 'test' };
const LONG_CONTEXT: Pricing = {
  inputPerMTok: 2.5,
  outputPerMTok: 15,
  cachedInputPerMTok: 0.25,
  tiers: [{ aboveInputTokens: 271_999, inputPerMTok: 5, outputPerMTok: 22.5, cachedInputPerMTok: 0.5 }],
  source: 'test',
};

describe('costOf', () => {
  it('should bill uncached input, cached input and output at their own rates', () => {
    // 10,000 × 0.75 + 2,000 × 0.075 + 800 × 4.5 = 7,500 + 150 + 3,600 micro-dollars
    const cost = costOf(MINI, {
      inputTokens: 12_000,
      cachedInputTokens: 2_000,
      outputTokens: 800,
      reasoningTokens: 300,
    });
    expect(cost.known).toBe(true);
    expect(cost.inputUsd).toBeCloseTo(0.0075, 12);
    expect(cost.cachedInputUsd).toBeCloseTo(0.00015, 12);
    expect(cost.outputUsd).toBeCloseTo(0.0036, 12);
    expect(cost.totalUsd).toBeCloseTo(0.01125, 12);
  });

  it('should bill the whole call at the long-context rates once the input passes the tier', () => {
    const below = costOf(LONG_CONTEXT, {
      inputTokens: 271_999,
      cachedInputTokens: 0,
      outputTokens: 1_000,
      reasoningTokens: 0,
    });
    expect(below.totalUsd).toBeCloseTo(0.6799975 + 0.015, 12);
    const above = costOf(LONG_CONTEXT, {
      inputTokens: 300_000,
      cachedInputTokens: 100_000,
      outputTokens: 1_000,
      reasoningTokens: 0,
    });
    // 200,000 × 5 + 100,000 × 0.5 + 1,000 × 22.5 micro-dollars
    expect(above.totalUsd).toBeCloseTo(1 + 0.05 + 0.0225, 12);
  });

  it('should bill cached input as input when the cached rate is unknown', () => {
    const cost = costOf(
      { ...MINI, inputPerMTok: 3, cachedInputPerMTok: null },
      { inputTokens: 1_000, cachedInputTokens: 400, outputTokens: 0, reasoningTokens: 0 },
    );
    expect((cost.inputUsd ?? 0) + (cost.cachedInputUsd ?? 0)).toBeCloseTo(0.003, 12);
  });

  it('should return an unknown cost, not zero, when the price is unknown', () => {
    const cost = costOf(null, { inputTokens: 1_000, cachedInputTokens: 0, outputTokens: 10, reasoningTokens: 0 });
    expect(cost).toEqual({ known: false, inputUsd: null, cachedInputUsd: null, outputUsd: null, totalUsd: null });
  });

  it('should call a cost that overflows unknown, never Infinity', () => {
    const absurd: Pricing = {
      inputPerMTok: 1e308,
      outputPerMTok: 1e308,
      cachedInputPerMTok: null,
      tiers: [],
      source: 'test',
    };
    const cost = costOf(absurd, { inputTokens: 1_000, cachedInputTokens: 0, outputTokens: 10, reasoningTokens: 0 });
    expect(cost).toEqual({ known: false, inputUsd: null, cachedInputUsd: null, outputUsd: null, totalUsd: null });
  });
});

describe('callCost', () => {
  const FREE: Pricing = { inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: null, tiers: [], source: 'test' };

  it('should cost a free model nothing, known, when the provider sends no usage', () => {
    expect(callCost(FREE, null, true)).toEqual({
      known: true,
      inputUsd: 0,
      cachedInputUsd: 0,
      outputUsd: 0,
      totalUsd: 0,
    });
  });

  it("should leave a priced model's call without usage unknown, and a failed one free", () => {
    expect(callCost(MINI, null, true).known).toBe(false);
    expect(callCost(MINI, null, false)).toMatchObject({ known: true, totalUsd: 0 });
    expect(callCost(null, null, false).known).toBe(false);
  });

  it('should not call a model free when one of its tiers costs something', () => {
    const tiered: Pricing = {
      ...FREE,
      tiers: [{ aboveInputTokens: 1000, inputPerMTok: 0, outputPerMTok: 1, cachedInputPerMTok: null }],
    };
    expect(isFree(tiered)).toBe(false);
    expect(callCost(tiered, null, true).known).toBe(false);
  });
});

describe('lookUpCatalogue', () => {
  it('should read genai-prices rates with their long-context tier', () => {
    const facts = lookUpCatalogue({ catalogue: 'genai-prices', provider: 'openai' }, 'gpt-5.4');
    expect(facts.pricing).toMatchObject({
      inputPerMTok: 2.5,
      outputPerMTok: 15,
      cachedInputPerMTok: 0.25,
      tiers: [{ aboveInputTokens: 271_999, inputPerMTok: 5, outputPerMTok: 22.5, cachedInputPerMTok: 0.5 }],
    });
    expect(facts.contextWindow).toBe(1_050_000);
  });

  it('should read models.dev prices and limits', () => {
    const facts = lookUpCatalogue({ catalogue: 'models.dev', provider: 'alibaba' }, 'qwen3-coder-plus');
    expect(facts.pricing).toMatchObject({ inputPerMTok: 1, outputPerMTok: 5, cachedInputPerMTok: null });
    expect(facts.maxOutputTokens).toBe(65_536);
  });

  it('should treat a $0 listing and a missing model as an unknown price', () => {
    const zero = lookUpCatalogue({ catalogue: 'models.dev', provider: 'llama', model: 'llama-3.3-70b-instruct' }, 'x');
    expect(zero.pricing).toBeNull();
    expect(zero.note).toMatch(/\$0/);
    expect(zero.contextWindow).toBe(128_000);
    expect(lookUpCatalogue({ catalogue: 'genai-prices', provider: 'openai' }, 'no-such-model').pricing).toBeNull();
    expect(lookUpCatalogue(undefined, 'qwen-plus').note).toMatch(/no catalogue/);
  });
});
