import type { Domain } from '../../common/domains.js';
import type { Strategy } from '../../common/strategies.js';
import type { RunOptions } from '../run.schema.js';
import { pickTeam, type Candidate } from './model-selector.js';

/** The models of a run by the part they play; `fallbacks` answer if the first cannot start. */
export interface Team {
  primary: Candidate[];
  evaluators: Candidate[];
  proposers: Candidate[];
  aggregator: Candidate[];
  /** cascade: cheapest adequate first. */
  ladder: Candidate[];
  fallbacks: Candidate[];
}

/** A model with at least this strength in the domain is adequate to start a cascade. */
const ADEQUATE_STRENGTH = 0.6;

export class NoModelError extends Error {
  override name = 'NoModelError';
}

/**
 * Evaluators other than `authors` when there are any; else the authors judge their own answers,
 * and a note says so (a model tends to rate its own answers higher).
 */
function evaluatorsFor(ranked: Candidate[], n: number, authors: Candidate[], notes: string[]): Candidate[] {
  const others = pickTeam(ranked, 'evaluator', n, authors);
  if (others.length > 0) return others;
  const own = pickTeam(ranked, 'evaluator', n).filter((c) => authors.includes(c));
  if (own.length > 0) {
    notes.push(
      `${own.map((c) => c.item.id).join(', ')} evaluates its own answers: no other available model can evaluate ` +
        '(a model tends to rate its own answers higher; allow another model or provider for an independent judge)',
    );
  }
  return own;
}

/** Picks the team a strategy needs from the ranked candidates; `notes` hears what it had to make do with. */
export function planTeam(
  strategy: Strategy,
  ranked: Candidate[],
  options: RunOptions,
  domain: Domain,
  notes: string[] = [],
): Team {
  const team: Team = { primary: [], evaluators: [], proposers: [], aggregator: [], ladder: [], fallbacks: [] };
  const need = (role: string, found: Candidate[]) => {
    if (found.length === 0) throw new NoModelError(`no available model can be the ${role} of a ${strategy} run`);
    return found;
  };
  const twoOrMore = (role: string, found: Candidate[]) => {
    need(role, found);
    if (found.length < 2) {
      throw new NoModelError(
        `a ${strategy} needs two ${role}s or more, and only ${found[0].item.id} is available to answer`,
      );
    }
    return found;
  };
  // The one who writes an answer from the others' (aggregator, chairman, judge): the best model
  // suited to aggregation, else the strongest writer; the next aggregators stand by.
  const synthesiser = (role: string) => {
    const suited = pickTeam(ranked, 'aggregator', 1);
    team.aggregator = need(role, suited.length > 0 ? suited : pickTeam(ranked, 'primary', 1));
    team.fallbacks = pickTeam(ranked, 'aggregator', 2, team.aggregator);
  };
  switch (strategy) {
    case 'route':
    case 'improve': {
      team.primary = need('primary', pickTeam(ranked, 'primary', 1));
      team.fallbacks = pickTeam(ranked, 'primary', 2, team.primary);
      if (strategy === 'improve') {
        team.evaluators = need('evaluator', evaluatorsFor(ranked, options.evaluators, team.primary, notes));
      }
      break;
    }
    case 'ensemble': {
      if (options.selfMoa) {
        // Self-MoA: the best model answers several times and aggregates its own samples.
        const [best] = need('proposer', pickTeam(ranked, 'primary', 1));
        team.proposers = Array.from({ length: options.proposers }, () => best);
        team.aggregator = [best];
        team.fallbacks = pickTeam(ranked, 'aggregator', 2, team.aggregator);
        break;
      }
      team.proposers = need('proposer', pickTeam(ranked, 'primary', options.proposers));
      synthesiser('aggregator');
      break;
    }
    case 'cascade': {
      const writers = ranked.filter((c) => c.item.roles.includes('primary'));
      let adequate = writers.filter((c) => c.item.specialties[domain] >= ADEQUATE_STRENGTH);
      if (adequate.length === 0 && writers.length > 0) {
        // Models added without `specialties` (PROVIDERS_FILE) are 0.5 everywhere: climb over all.
        notes.push(
          `no available model has a strength of ${ADEQUATE_STRENGTH} or more in ${domain} (a model from PROVIDERS_FILE ` +
            'without specialties counts 0.5 in every domain): the ladder climbs over every writer, cheapest first',
        );
        adequate = writers;
      }
      const price = (c: Candidate) => c.estimateUsd ?? Infinity;
      team.ladder = need(
        'first rung',
        [...adequate].sort((a, b) => price(a) - price(b) || b.score - a.score).slice(0, options.maxIterations),
      );
      team.evaluators = need('evaluator', pickTeam(ranked, 'evaluator', options.evaluators));
      break;
    }
    case 'council': {
      team.proposers = twoOrMore('member', pickTeam(ranked, 'primary', options.proposers));
      synthesiser('chairman');
      break;
    }
    case 'debate': {
      team.proposers = twoOrMore('agent', pickTeam(ranked, 'primary', options.proposers));
      if (options.evaluate) {
        synthesiser('judge');
      }
      break;
    }
    case 'compare': {
      team.proposers = need('compared model', pickTeam(ranked, 'primary', options.proposers));
      if (options.evaluate) team.evaluators = need('evaluator', pickTeam(ranked, 'evaluator', options.evaluators));
      break;
    }
  }
  return team;
}

export function teamIds(team: Team): Record<string, string[]> {
  const ids = (list: Candidate[]) => list.map((c) => c.item.id);
  const out: Record<string, string[]> = {};
  for (const [role, list] of Object.entries(team) as [keyof Team, Candidate[]][]) {
    if (list.length > 0) out[role] = ids(list);
  }
  return out;
}

/** Evaluators other than the model that wrote the answer. */
export function judgesOf(team: Team, author: string): Candidate[] {
  const others = team.evaluators.filter((e) => e.item.id !== author);
  return others.length > 0 ? others : team.evaluators;
}
