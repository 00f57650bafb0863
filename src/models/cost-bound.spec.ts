import type { Pricing } from '../config/catalogue-entry.js';
import type { CatalogueItem } from './catalogue-item.js';
import { costBound } from './cost-bound.js';

const price = (inputPerMTok: number, outputPerMTok: number): Pricing => ({
  inputPerMTok,
  outputPerMTok,
  cachedInputPerMTok: null,
  tiers: [],
  source: 'test',
});

function model(id: string, pricing: Pricing | null, limits: Partial<CatalogueItem> = {}): CatalogueItem {
  return {
    id,
    provider: id.split('/')[0],
    model: id.split('/')[1],
    name: id,
    origin: 'curated',
    kind: 'chat',
    enabled: true,
    priority: 0,
    specialties: {} as CatalogueItem['specialties'],
    qualityPrior: 0.5,
    roles: [],
    capabilities: [],
    contextWindow: 200_000,
    maxOutputTokens: 8_000,
    pricing,
    pricingNote: null,
    overridden: [],
    ...limits,
  };
}

const CHEAP = model('a/cheap', price(1, 5));
const DEAR = model('b/dear', price(10, 50));

describe('costBound', () => {
  it('should price the input given and the output at the ceiling asked, without cache discount', () => {
    // 1,000 × $1/M + 100 × $5/M
    expect(costBound([CHEAP], 1_000, 100)).toEqual({ tokens: 1_100, usd: expect.closeTo(0.0015, 12) });
  });

  it("should take the model's output limit when no ceiling is asked, and no output for an embedding", () => {
    expect(costBound([CHEAP], 1_000).tokens).toBe(9_000);
    expect(costBound([model('a/no-limit', price(1, 5), { maxOutputTokens: null })], 1_000).tokens).toBe(201_000);
    expect(costBound([model('a/embed', price(1, 0), { kind: 'embedding' })], 1_000, 100)).toEqual({
      tokens: 1_000,
      usd: expect.closeTo(0.001, 12),
    });
  });

  it('should cover every model that may answer: the most any fallback may cost', () => {
    const both = costBound([CHEAP, DEAR], 1_000, 100);
    expect(both.usd).toBeCloseTo(costBound([DEAR], 1_000, 100).usd as number, 12);
    expect(both.usd).toBeGreaterThan(costBound([CHEAP], 1_000, 100).usd as number);
  });

  it('should give no amount when any model that may answer has no known price', () => {
    expect(costBound([CHEAP, model('c/unknown', null)], 1_000, 100).usd).toBeNull();
  });
});
