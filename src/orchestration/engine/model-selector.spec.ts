import { DOMAINS } from '../../common/domains.js';
import type { Availability, CatalogueItem } from '../../models/catalogue-item.js';
import { pickTeam, rankCandidates, type SelectionInput } from './model-selector.js';

const AVAILABLE: Availability = { available: true, unavailableReason: null, cooldown: 'closed' };

function model(id: string, coding: number, quality: number, overrides: Partial<CatalogueItem> = {}): CatalogueItem {
  const [provider, name] = id.split('/');
  return {
    id,
    provider,
    model: name,
    name,
    origin: 'curated',
    kind: 'chat',
    enabled: true,
    priority: 0,
    specialties: { ...(Object.fromEntries(DOMAINS.map((d) => [d, 0.5])) as CatalogueItem['specialties']), coding },
    qualityPrior: quality,
    roles: ['primary', 'evaluator', 'aggregator'],
    capabilities: [],
    contextWindow: 100_000,
    maxOutputTokens: null,
    pricing: null,
    pricingNote: null,
    overridden: [],
    ...overrides,
  };
}

const prices: Record<string, number | null> = {
  'a/strong': 0.01,
  'b/cheap': 0.0001,
  'c/mid': 0.002,
  'd/unpriced': null,
};
const input = (over: Partial<SelectionInput> = {}): SelectionInput => ({
  models: [
    model('a/strong', 0.95, 0.95),
    model('b/cheap', 0.7, 0.7),
    model('c/mid', 0.85, 0.85),
    model('d/unpriced', 0.9, 0.9),
  ].map((item) => ({ item, availability: AVAILABLE })),
  domain: 'coding',
  complexity: 'high',
  preferred: [],
  excluded: [],
  costLimitUsd: null,
  estimateUsd: (item) => prices[item.id],
  ...over,
});

describe('rankCandidates', () => {
  it('should put the strongest model in the domain first for a hard prompt, with its reasons', () => {
    const { ranked } = rankCandidates(input());
    expect(ranked.map((c) => c.item.id)).toEqual(['a/strong', 'd/unpriced', 'c/mid', 'b/cheap']);
    // 0.5 × 0.95 + 0.35 × 0.95 − 0.02 × (0.01 / 0.01)
    expect(ranked[0].score).toBeCloseTo(0.7875, 3);
    expect(ranked[0].reasons).toEqual([
      'coding strength 0.95',
      'quality prior 0.95',
      expect.stringMatching(/^price penalty 0.02/),
    ]);
  });

  it('should weigh price more for an easy prompt', () => {
    const { ranked } = rankCandidates(input({ complexity: 'low' }));
    // mid 0.425 + 0.2125 − 0.03; strong 0.475 + 0.2375 − 0.15; unpriced 0.45 + 0.225 − 0.15 (full penalty)
    expect(ranked.map((c) => c.item.id)).toEqual(['c/mid', 'a/strong', 'd/unpriced', 'b/cheap']);
  });

  it('should honour exclusions, preferences, availability and a cost limit, saying why a model is left out', () => {
    const models = input().models.map((m) =>
      m.item.id === 'c/mid'
        ? {
            ...m,
            availability: { available: false, unavailableReason: 'cooling_down' as const, cooldown: 'open' as const },
          }
        : m,
    );
    const { ranked, left } = rankCandidates(
      input({ models, excluded: ['b/cheap'], costLimitUsd: 0.005, preferred: ['a/strong'] }),
    );
    expect(ranked).toEqual([]);
    expect(left).toEqual([
      { modelId: 'a/strong', reason: 'one answer may cost $0.0100, more than the limit' },
      { modelId: 'b/cheap', reason: 'excluded by the session' },
      { modelId: 'c/mid', reason: 'unavailable: cooling_down' },
      { modelId: 'd/unpriced', reason: 'price unknown: cannot be held to the cost limit' },
    ]);
    const preferred = rankCandidates(input({ preferred: ['b/cheap'], complexity: 'low' }));
    expect(preferred.ranked[0].item.id).toBe('b/cheap');
    expect(preferred.ranked[0].reasons).toContain('preferred by the session');
  });

  it('should let observed scores move a model once analytics has them', () => {
    const observed = new Map([['a/strong', { calls: 40, meanScore: 3, successRate: 0.5, p50LatencyMs: 900 }]]);
    const { ranked } = rankCandidates(input({ observed }));
    expect(ranked.at(-1)?.item.id).toBe('a/strong');
    expect(ranked.at(-1)?.reasons[1]).toBe('quality 0.15 (prior 0.95, observed over 40 calls)');
  });

  it('should keep only the requested models', () => {
    const { ranked, left } = rankCandidates(input({ only: ['b/cheap', 'c/mid'] }));
    expect(ranked.map((c) => c.item.id)).toEqual(['c/mid', 'b/cheap']);
    expect(left).toEqual([]);
  });

  it("should leave out the models the run's key may not use, saying so, and embedding models always", () => {
    const models = [
      ...input().models,
      { item: model('e/embed', 1, 1, { kind: 'embedding' }), availability: AVAILABLE },
    ];
    const { ranked, left } = rankCandidates(input({ models, allowed: (id) => id !== 'a/strong' }));
    expect(ranked.map((c) => c.item.id)).toEqual(['d/unpriced', 'c/mid', 'b/cheap']);
    expect(left).toEqual([{ modelId: 'a/strong', reason: "not allowed for the run's API key" }]);
  });
});

describe('pickTeam', () => {
  it('should take models of other providers first, then the rest, skipping those taken', () => {
    const items = [
      model('x/1', 0.9, 0.9),
      model('x/2', 0.9, 0.9),
      model('y/1', 0.9, 0.9),
      model('z/1', 0.9, 0.9, { roles: ['primary'] }),
    ];
    const ranked = items.map((item, i) => ({ item, score: 1 - i / 10, reasons: [], estimateUsd: 0 }));
    const primary = pickTeam(ranked, 'primary', 1);
    expect(primary.map((c) => c.item.id)).toEqual(['x/1']);
    expect(pickTeam(ranked, 'evaluator', 2, primary).map((c) => c.item.id)).toEqual(['y/1', 'x/2']);
  });
});
