import type { ObservedStats } from '../../analytics/observed-stats.js';
import type { Domain } from '../../common/domains.js';
import type { ModelRole } from '../../config/catalogue-entry.js';
import type { Availability, CatalogueItem } from '../../models/catalogue-item.js';
import type { Complexity } from './domain-classifier.js';

export interface SelectionInput {
  /** The models the run's API key may call (its allow-list); all when absent. */
  allowed?: (modelId: string) => boolean;
  models: { item: CatalogueItem; availability: Availability }[];
  domain: Domain;
  complexity: Complexity;
  preferred: readonly string[];
  excluded: readonly string[];
  /** The request's own list: only these may take part. */
  only?: readonly string[];
  costLimitUsd: number | null;
  /** Estimated cost of one answer by the model (null: unknown price). */
  estimateUsd: (item: CatalogueItem) => number | null;
  observed?: ReadonlyMap<string, ObservedStats>;
}

export interface Candidate {
  item: CatalogueItem;
  score: number;
  reasons: string[];
  estimateUsd: number | null;
}

/** How much price weighs against quality, by how hard the prompt is. */
const PRICE_WEIGHT: Record<Complexity, number> = { low: 0.15, medium: 0.06, high: 0.02 };
/** Observations outweigh the prior once a model has this many calls. */
const OBSERVATIONS_FOR_FULL_WEIGHT = 20;

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Scores every usable model for a prompt: strength in its domain, quality prior (blended with the
 * observed mean score and success rate once analytics has them), priority, the session's
 * preferences, and price against the budget. Returns them best first, and why others were left out.
 */
export function rankCandidates(input: SelectionInput): {
  ranked: Candidate[];
  left: { modelId: string; reason: string }[];
} {
  const left: { modelId: string; reason: string }[] = [];
  const usable: { item: CatalogueItem; estimateUsd: number | null }[] = [];
  for (const { item, availability } of input.models) {
    // An embedding model answers no prompt: never a candidate, not even worth a reason.
    if (item.kind === 'embedding') continue;
    const estimateUsd = input.estimateUsd(item);
    let reason: string | null = null;
    if (input.only !== undefined && !input.only.includes(item.id)) reason = 'not among the requested models';
    else if (input.allowed !== undefined && !input.allowed(item.id)) reason = "not allowed for the run's API key";
    else if (!availability.available) reason = `unavailable: ${availability.unavailableReason ?? 'unknown'}`;
    else if (input.excluded.includes(item.id)) reason = 'excluded by the session';
    else if (input.costLimitUsd !== null && estimateUsd === null)
      reason = 'price unknown: cannot be held to the cost limit';
    else if (input.costLimitUsd !== null && estimateUsd !== null && estimateUsd > input.costLimitUsd) {
      reason = `one answer may cost $${estimateUsd.toFixed(4)}, more than the limit`;
    }
    if (reason === null) usable.push({ item, estimateUsd });
    else if (input.only === undefined || input.only.includes(item.id)) left.push({ modelId: item.id, reason });
  }

  const dearest = Math.max(0, ...usable.map((u) => u.estimateUsd ?? 0));
  const qualityWeight = input.complexity === 'high' ? 0.35 : 0.25;
  const ranked = usable.map(({ item, estimateUsd }): Candidate => {
    const strength = item.specialties[input.domain];
    const seen = input.observed?.get(item.id);
    let quality = item.qualityPrior;
    const reasons = [`${input.domain} strength ${strength}`];
    if (seen !== undefined && seen.calls > 0) {
      const weight = Math.min(1, seen.calls / OBSERVATIONS_FOR_FULL_WEIGHT);
      const observedQuality = (seen.meanScore === null ? item.qualityPrior : seen.meanScore / 10) * seen.successRate;
      quality = (1 - weight) * item.qualityPrior + weight * observedQuality;
      reasons.push(`quality ${round(quality)} (prior ${item.qualityPrior}, observed over ${seen.calls} calls)`);
    } else {
      reasons.push(`quality prior ${item.qualityPrior}`);
    }
    let score = 0.5 * strength + qualityWeight * quality + 0.01 * item.priority;
    if (item.priority !== 0) reasons.push(`priority ${item.priority}`);
    if (input.preferred.includes(item.id)) {
      score += 0.1;
      reasons.push('preferred by the session');
    }
    if (estimateUsd === null) {
      // Not knowing the price is no reason to prefer a model: it pays the full penalty.
      score -= PRICE_WEIGHT[input.complexity];
      reasons.push(`price unknown: full price penalty ${PRICE_WEIGHT[input.complexity]}`);
    } else if (dearest > 0) {
      const penalty = PRICE_WEIGHT[input.complexity] * (estimateUsd / dearest);
      score -= penalty;
      reasons.push(`price penalty ${round(penalty)} (up to $${estimateUsd.toFixed(5)} an answer)`);
    }
    return { item, score: round(score), reasons, estimateUsd };
  });
  ranked.sort((a, b) => b.score - a.score || a.item.id.localeCompare(b.item.id));
  return { ranked, left };
}

/** Up to `n` candidates suited to `role`, other providers first, skipping `taken`. */
export function pickTeam(
  ranked: Candidate[],
  role: ModelRole,
  n: number,
  taken: readonly Candidate[] = [],
): Candidate[] {
  const suited = ranked.filter((c) => c.item.roles.includes(role) && !taken.includes(c));
  const providers = new Set(taken.map((c) => c.item.provider));
  const fresh = suited.filter((c) => !providers.has(c.item.provider));
  const distinct: Candidate[] = [];
  for (const c of fresh) {
    if (!distinct.some((d) => d.item.provider === c.item.provider)) distinct.push(c);
  }
  const rest = suited.filter((c) => !distinct.includes(c));
  return [...distinct, ...rest].slice(0, n);
}
