import type { Domain } from '../../common/domains.js';
import type { Strategy } from '../../sessions/session.schema.js';
import type { RunOptions } from '../run.schema.js';
import { pickTeam, type Candidate } from './model-selector.js';
import { aggregationPrompt, answerPrompt, layeredAnswerPrompt, refinementPrompt } from './prompts.js';
import type { RunExecution } from './run-execution.js';

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

/** Picks the team a strategy needs from the ranked candidates. */
export function planTeam(strategy: Strategy, ranked: Candidate[], options: RunOptions, domain: Domain): Team {
  const team: Team = { primary: [], evaluators: [], proposers: [], aggregator: [], ladder: [], fallbacks: [] };
  const need = (role: string, found: Candidate[]) => {
    if (found.length === 0) throw new NoModelError(`no available model can be the ${role} of a ${strategy} run`);
    return found;
  };
  switch (strategy) {
    case 'route':
    case 'improve': {
      team.primary = need('primary', pickTeam(ranked, 'primary', 1));
      team.fallbacks = pickTeam(ranked, 'primary', 2, team.primary);
      if (strategy === 'improve') {
        team.evaluators = need('evaluator', pickTeam(ranked, 'evaluator', options.evaluators, team.primary));
      }
      break;
    }
    case 'ensemble': {
      team.proposers = need('proposer', pickTeam(ranked, 'primary', options.proposers));
      // Without a model suited to aggregation, the strongest writer aggregates.
      const aggregators = pickTeam(ranked, 'aggregator', 1);
      team.aggregator = need('aggregator', aggregators.length > 0 ? aggregators : pickTeam(ranked, 'primary', 1));
      team.fallbacks = pickTeam(ranked, 'aggregator', 2, team.aggregator);
      break;
    }
    case 'cascade': {
      const adequate = ranked.filter(
        (c) => c.item.roles.includes('primary') && c.item.specialties[domain] >= ADEQUATE_STRENGTH,
      );
      const price = (c: Candidate) => c.estimateUsd ?? Infinity;
      team.ladder = need(
        'first rung',
        [...adequate].sort((a, b) => price(a) - price(b) || b.score - a.score).slice(0, options.maxIterations),
      );
      team.evaluators = need('evaluator', pickTeam(ranked, 'evaluator', options.evaluators));
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
function judgesOf(team: Team, author: string): Candidate[] {
  const others = team.evaluators.filter((e) => e.item.id !== author);
  return others.length > 0 ? others : team.evaluators;
}

/** `route`: the specialist answers. One call. */
async function route(x: RunExecution, team: Team): Promise<void> {
  const step = await x.call(
    'primary',
    [...team.primary, ...team.fallbacks],
    1,
    answerPrompt(x.history, x.run.prompt, x.domain),
  );
  x.iterations = 1;
  if (step.status === 'succeeded') x.consider(step, null);
  else throw new StepFailed(step.error);
}

/**
 * `improve`: the primary answers; evaluators score it; below the threshold the primary rewrites it
 * with their critiques, until the threshold, the iteration cap or the budget. The best-scored
 * version is the answer.
 */
async function improve(x: RunExecution, team: Team): Promise<void> {
  const writers = [...team.primary, ...team.fallbacks];
  let current = await x.call('primary', writers, 1, answerPrompt(x.history, x.run.prompt, x.domain));
  if (current.status !== 'succeeded') throw new StepFailed(current.error);
  x.consider(current, null); // the answer so far, should the budget stop the evaluation
  let previous: number | null = null; // the score of the answer `current` rewrote
  for (let iteration = 1; ; iteration += 1) {
    x.iterations = iteration;
    const { score, evaluations } = await x.evaluate(current, judgesOf(team, current.modelId), iteration);
    x.consider(current, score);
    if (current.role === 'refiner' && previous !== null && score !== null) {
      x.improvements.push({
        modelId: current.modelId,
        provider: current.modelId.split('/')[0],
        delta: score - previous,
      });
    }
    x.publish('run.iteration_completed', { iteration, score, bestScore: x.best?.score ?? null });
    if (score !== null && score >= x.run.options.qualityThreshold) {
      x.thresholdMet = true;
      x.publish('run.threshold_met', { iteration, score, threshold: x.run.options.qualityThreshold });
      return;
    }
    if (score === null || iteration >= x.run.options.maxIterations) return;
    const refined = await x.call(
      'refiner',
      writers,
      iteration + 1,
      refinementPrompt(x.history, x.run.prompt, current.text, evaluations),
    );
    if (refined.status !== 'succeeded') return; // keep the best answer so far
    previous = score;
    current = refined;
    x.consider(current, null);
  }
}

/** `ensemble` (Mixture-of-Agents): proposers answer in parallel, layer by layer; an aggregator synthesises. */
async function ensemble(x: RunExecution, team: Team): Promise<void> {
  let references: string[] = [];
  const layers = x.run.options.layers;
  for (let layer = 1; layer <= layers; layer += 1) {
    const prompt = layeredAnswerPrompt(x.history, x.run.prompt, x.domain, references);
    const steps = await x.parallel(team.proposers.map((p) => x.call('proposer', [p], layer, prompt)));
    const answered = steps.filter((s) => s.status === 'succeeded');
    if (answered.length === 0) throw new StepFailed(steps[0]?.error ?? null);
    references = answered.map((s) => s.text);
    for (const s of answered) x.consider(s, null);
  }
  x.iterations = layers;
  const aggregate = await x.call(
    'aggregator',
    [...team.aggregator, ...team.fallbacks],
    layers + 1,
    aggregationPrompt(x.history, x.run.prompt, references),
  );
  if (aggregate.status === 'succeeded') x.best = { step: aggregate, score: null };
}

/** `cascade` (FrugalGPT): the cheapest adequate model answers; below the threshold, the next stronger one. */
async function cascade(x: RunExecution, team: Team): Promise<void> {
  let lastError: StepFailed | null = null;
  for (const [i, rung] of team.ladder.entries()) {
    const iteration = i + 1;
    x.iterations = iteration;
    const step = await x.call('primary', [rung], iteration, answerPrompt(x.history, x.run.prompt, x.domain));
    if (step.status !== 'succeeded') {
      lastError = new StepFailed(step.error);
      continue; // escalate
    }
    x.consider(step, null);
    const { score } = await x.evaluate(step, judgesOf(team, step.modelId), iteration);
    x.consider(step, score);
    x.publish('run.iteration_completed', { iteration, score, bestScore: x.best?.score ?? null });
    if (score !== null && score >= x.run.options.qualityThreshold) {
      x.thresholdMet = true;
      x.publish('run.threshold_met', { iteration, score, threshold: x.run.options.qualityThreshold });
      return;
    }
  }
  if (x.best === null && lastError !== null) throw lastError;
}

/** `compare`: the same prompt to several models in parallel; each answer kept, optionally evaluated. */
async function compare(x: RunExecution, team: Team): Promise<void> {
  x.iterations = 1;
  const prompt = answerPrompt(x.history, x.run.prompt, x.domain);
  const steps = await x.parallel(team.proposers.map((p) => x.call('primary', [p], 1, prompt)));
  const answered = steps.filter((s) => s.status === 'succeeded');
  if (answered.length === 0) throw new StepFailed(steps[0]?.error ?? null);
  for (const s of answered) x.consider(s, null);
  const scores = x.run.options.evaluate
    ? await x.parallel(answered.map((s) => x.evaluate(s, judgesOf(team, s.modelId), 1).then((r) => r.score)))
    : answered.map(() => null);
  answered.forEach((s, i) => x.consider(s, scores[i]));
}

/** A step the strategy cannot do without failed for good. */
export class StepFailed extends Error {
  override name = 'StepFailed';
  constructor(readonly failure: { errorClass: string; message: string } | null) {
    super(failure?.message ?? 'the model call failed');
  }
}

export const STRATEGY_RUNNERS: Record<Strategy, (x: RunExecution, team: Team) => Promise<void>> = {
  route,
  improve,
  ensemble,
  cascade,
  compare,
};
