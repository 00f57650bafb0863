import { countChatTokens } from '../../common/tokens.js';
import { costBound } from '../../models/cost-bound.js';
import type { StepRole } from '../events/run-events.js';
import type { Candidate } from './model-selector.js';
import type { Reservation, RunBudget } from './run-budget.js';

/** Where a broken step goes next: its own model once more, or the candidates after it. */
export interface RetryTarget {
  candidates: Candidate[];
  sameModel: boolean;
}

const inputOf = (messages: { content: string }[]) => countChatTokens(messages.map((m) => m.content));

/**
 * Holds what a step may cost against the run's budget: the most any of its candidates may cost,
 * fallbacks included (one may cost more than the first). Fallbacks the budget cannot hold are
 * dropped from the step; null when the first cannot be held (or its price is unknown under a limit).
 */
export function holdStep(
  budget: RunBudget,
  candidates: Candidate[],
  messages: { content: string }[],
  maxTokens: number,
): { candidates: Candidate[]; reservation: Reservation } | null {
  const input = inputOf(messages);
  const held = budget.reserveStep(candidates.map((c) => costBound([c.item], input, maxTokens).usd));
  return held === null ? null : { candidates: held.usable.map((i) => candidates[i]), reservation: held.reservation };
}

/** Why a step's call was not started: what it may cost against what is left, or its unknown price. */
export function budgetRefusal(
  budget: RunBudget,
  role: StepRole,
  candidate: Candidate,
  messages: { content: string }[],
  maxTokens: number,
): string {
  const estimate = costBound([candidate.item], inputOf(messages), maxTokens).usd;
  return estimate === null
    ? `the price of ${candidate.item.id} is unknown, so its call cannot be held to the cost limit`
    : `a ${role} call to ${candidate.item.id} may cost up to $${estimate.toFixed(6)}; only $${budget.remainingUsd.toFixed(6)} of the limit is left`;
}

/** After a broken stream: the same model once more, else the step's candidates after the one that broke. */
export function retryTarget(candidates: Candidate[], brokeOn: Candidate, sameModelAgain: boolean): RetryTarget | null {
  if (sameModelAgain) return { candidates: [brokeOn], sameModel: true };
  const at = candidates.findIndex((c) => c.item.id === brokeOn.item.id);
  const rest = candidates.slice(at + 1);
  return rest.length > 0 ? { candidates: rest, sameModel: false } : null;
}
