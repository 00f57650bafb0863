import { providerOf } from '../../common/model-id.js';
import { shownToJudges } from './tool-loop.js';
import { evaluate, review } from './judging.js';
import type { Strategy } from '../../common/strategies.js';
import { aggregateRanks, labelsFor, reviewSheets } from './council.js';
import { meanOf, rubricMean } from './evaluation.js';
import {
  aggregationPrompt,
  answerPrompt,
  chairmanPrompt,
  debatePrompt,
  judgePrompt,
  layeredAnswerPrompt,
  refinementPrompt,
} from './prompts.js';
import type { RunExecution } from './run-execution.js';
import { judgesOf, type Team } from './team.js';

/** Self-MoA's sampling temperature when the run sets none (the paper samples at 0.7). */
const SELF_MOA_TEMPERATURE = 0.7;

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
    const { score, evaluations } = await evaluate(x, current, judgesOf(team, current.modelId), iteration);
    x.consider(current, score);
    if (current.role === 'refiner' && previous !== null && score !== null) {
      x.improvements.push({
        modelId: current.modelId,
        provider: providerOf(current.modelId),
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
    // Self-MoA samples one model: at a temperature that makes its samples differ.
    const sampling = x.run.options.selfMoa ? { temperature: x.run.options.temperature ?? SELF_MOA_TEMPERATURE } : {};
    const steps = await x.parallel(team.proposers.map((p) => x.call('proposer', [p], layer, prompt, sampling)));
    const answered = steps.filter((s) => s.status === 'succeeded');
    if (answered.length === 0) throw new StepFailed(steps[0]?.error ?? null);
    references = answered.map(shownToJudges);
    for (const s of answered) x.consider(s, null);
  }
  x.iterations = layers;
  const aggregate = await x.call(
    'aggregator',
    [...team.aggregator, ...team.fallbacks],
    layers + 1,
    aggregationPrompt(x.history, x.run.prompt, references),
  );
  if (aggregate.status === 'succeeded') x.best = { step: withoutLeadingLabel(aggregate), score: null };
}

/**
 * The answer without a label it may open with ("Response 2:", "**Answer 1.**"): an aggregator
 * sometimes writes as if it were one more of the responses it was shown. The stored step keeps
 * what the model wrote.
 */
function withoutLeadingLabel<T extends { text: string }>(step: T): T {
  const text = step.text.replace(
    /^\s*(?:\*\*)?\s*(?:response|answer|reference)\s*(?:\d+|[A-Z])\s*(?:\*\*)?\s*[:.)–-]\s*(?:\*\*)?\s*/i,
    '',
  );
  return text === step.text || text.trim() === '' ? step : { ...step, text };
}

/**
 * `council` (after Karpathy's llm-council): members answer independently; each reviews the
 * others' answers under labels shuffled for it from the run's seed (its own left out with
 * selfRecusal), with rubric scores and a strict ranking; the rankings are aggregated (Borda count,
 * mean rank, Kendall's W); a chairman writes the final answer from the answers and the ranking.
 * The answers' mean review scores are their scores (and feed the leaderboard).
 */
async function council(x: RunExecution, team: Team): Promise<void> {
  x.iterations = 1;
  const prompt = answerPrompt(x.history, x.run.prompt, x.domain);
  const steps = await x.parallel(team.proposers.map((p) => x.call('proposer', [p], 1, prompt)));
  const answered = steps.filter((s) => s.status === 'succeeded');
  if (answered.length === 0) throw new StepFailed(steps[0]?.error ?? null);
  for (const s of answered) x.consider(s, null);
  if (answered.length === 1) return; // nothing to review: the one answer stands

  const seed = x.run.options.seed ?? x.runId;
  const { selfRecusal } = x.run.options;
  const ids = answered.map((s) => s.stepId);
  const members = team.proposers.map((p) => ({
    reviewer: p.item.id,
    stepId: answered.find((s) => s.modelId === p.item.id)?.stepId ?? '',
  }));
  const sheets = reviewSheets(members, ids, seed, selfRecusal);
  const byStep = new Map(answered.map((s) => [s.stepId, s]));
  const reviews = (
    await x.parallel(sheets.map((sheet, i) => review(x, sheet.labels, team.proposers[i], byStep, 2)))
  ).filter((r) => r !== null);

  const { ranked, agreement } = aggregateRanks(
    ids,
    reviews.map((r) => r.ranking),
  );
  // Each answer's mean review score, over the reviews that scored it (null when none did).
  const scores = new Map(
    ids.map((id) => {
      const given = reviews.flatMap((r) => (r.scores[id] ? [rubricMean(r.scores[id])] : []));
      return [id, given.length === 0 ? null : meanOf(given)];
    }),
  );
  const meanScore = (id: string): number | null => scores.get(id) ?? null;
  const simulated = reviews.length > 0 && reviews.every((r) => r.simulated);
  for (const s of answered) {
    const score = meanScore(s.stepId);
    if (score !== null && simulated) x.simulatedScores.add(s.stepId);
    x.consider(s, score);
  }
  x.publish('run.ranked', {
    ranking: ranked.map((r) => ({
      stepId: r.id,
      modelId: byStep.get(r.id)?.modelId ?? '',
      borda: r.borda,
      meanRank: r.meanRank,
      meanScore: meanScore(r.id),
      reviews: r.ballots,
    })),
    agreement,
    reviews: reviews.length,
    selfRecusal,
    seed,
  });

  // The chairman sees the answers under labels of its own, in the members' order, and the ranking.
  const order = ranked.length > 0 ? ranked.map((r) => r.id) : ids;
  const labels = labelsFor(answered.length);
  const labelOf = new Map(ids.map((id, i) => [id, labels[i]]));
  const chair = await x.call(
    'chairman',
    [...team.aggregator, ...team.fallbacks],
    3,
    chairmanPrompt(
      x.history,
      x.run.prompt,
      answered.map((s, i) => ({ label: labels[i], text: shownToJudges(s), meanScore: meanScore(s.stepId) })),
      order.map((id) => labelOf.get(id) ?? '?'),
    ),
  );
  if (chair.status === 'succeeded') x.best = { step: withoutLeadingLabel(chair), score: null };
  else {
    const top = byStep.get(order[0]);
    if (top !== undefined) x.best = { step: top, score: meanScore(top.stepId) }; // the council's choice
  }
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
    const { score } = await evaluate(x, step, judgesOf(team, step.modelId), iteration);
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
    ? await x.parallel(answered.map((s) => evaluate(x, s, judgesOf(team, s.modelId), 1).then((r) => r.score)))
    : answered.map(() => null);
  answered.forEach((s, i) => x.consider(s, scores[i]));
}

/** The words of a text, for comparing answers. */
const wordsOf = (text: string) => new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

/** Jaccard similarity of two word sets: 1 the same words, 0 none in common. */
function overlap(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const w of a) if (b.has(w)) shared += 1;
  const union = a.size + b.size - shared;
  return union === 0 ? 1 : shared / union;
}

/**
 * The consensus of a round: the answer closest to the others (highest mean word overlap), the
 * first of the closest when tied.
 */
export function consensusOf<T extends { text: string }>(answers: T[]): T {
  const words = answers.map((a) => wordsOf(a.text));
  let best = 0;
  let bestScore = -1;
  answers.forEach((_, i) => {
    const others = words.filter((_, j) => j !== i);
    const score = others.length === 0 ? 1 : others.reduce((sum, w) => sum + overlap(words[i], w), 0) / others.length;
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return answers[best];
}

/**
 * `debate` (Du et al., "Improving Factuality and Reasoning in Language Models through Multiagent
 * Debate", 2023): the agents answer; then for `rounds` rounds each one revises its answer after
 * reading the others' latest answers (unnamed); a judge writes the final answer from the last
 * round's, or with `evaluate: false` the last round's consensus is the answer. An agent whose
 * revision fails keeps its previous answer.
 */
async function debate(x: RunExecution, team: Team): Promise<void> {
  const prompt = answerPrompt(x.history, x.run.prompt, x.domain);
  const first = await x.parallel(team.proposers.map((p) => x.call('proposer', [p], 1, prompt)));
  // Each agent's latest answer that succeeded, in the agents' order.
  let latest = first.map((s) => (s.status === 'succeeded' ? s : null));
  if (latest.every((s) => s === null)) throw new StepFailed(first[0]?.error ?? null);
  x.iterations = 1;
  for (let round = 1; round <= x.run.options.rounds; round += 1) {
    const standing = latest.filter((s) => s !== null);
    if (standing.length < 2) break; // no one to debate with
    const revised = await x.parallel(
      team.proposers.map((agent, i) => {
        const own = latest[i];
        if (own === null) return Promise.resolve(null);
        const others = standing.filter((s) => s !== own).map(shownToJudges);
        return x.call('debater', [agent], round + 1, debatePrompt(x.history, x.run.prompt, own.text, others));
      }),
    );
    latest = latest.map((s, i) => (revised[i]?.status === 'succeeded' ? revised[i] : s));
    x.iterations = round + 1;
    x.publish('run.iteration_completed', { iteration: round + 1, score: null, bestScore: null });
  }
  const final = latest.filter((s) => s !== null);
  for (const s of final) x.consider(s, null);
  if (x.run.options.evaluate && final.length > 1) {
    const judged = await x.call(
      'judge',
      [...team.aggregator, ...team.fallbacks],
      x.iterations + 1,
      judgePrompt(x.history, x.run.prompt, final.map(shownToJudges)),
    );
    if (judged.status === 'succeeded') {
      x.best = { step: withoutLeadingLabel(judged), score: null };
      return;
    }
  }
  x.best = { step: consensusOf(final), score: null };
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
  council,
  debate,
};
