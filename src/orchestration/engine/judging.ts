import type { RunStep, StepReview } from '../run.schema.js';
import type { StepRole } from '../events/run-events.js';
import { parseReview, reviewFormat } from './council.js';
import { EVALUATION_FORMAT, meanOf, parseEvaluation, type Evaluation } from './evaluation.js';
import type { Candidate } from './model-selector.js';
import { evaluationPrompt, reaskPrompt, reviewPrompt, type BuiltPrompt } from './prompts.js';
import type { Interpretation } from './judgement.js';
import type { CallOptions, RunExecution } from './run-execution.js';
import { settleAll } from './run-stops.js';
import { shownToJudges } from './tool-loop.js';

const asEvaluation = (text: string): Interpretation | { error: string } => {
  const read = parseEvaluation(text);
  return 'error' in read ? read : { evaluation: read };
};

/** Whether the candidate's provider enforces a JSON schema (else the prompt asks for the shape). */
const structured = (c: Candidate) => c.item.capabilities.includes('structured_output');

/**
 * Has each evaluator score `answer` (in parallel). A malformed evaluation is asked for once more,
 * then recorded as failed and left out of the mean. Returns the mean score (null if none) and the
 * usable evaluations.
 */
export async function evaluate(
  x: RunExecution,
  answer: RunStep,
  evaluators: Candidate[],
  iteration: number,
): Promise<{ score: number | null; evaluations: Evaluation[] }> {
  const prompt = evaluationPrompt(x.run.prompt, shownToJudges(answer), x.domain);
  const one = async (evaluator: Candidate): Promise<Evaluation | null> => {
    const options = {
      json: structured(evaluator) ? EVALUATION_FORMAT : true,
      evaluatesStepId: answer.stepId,
      interpret: asEvaluation,
    };
    return (await judge(x, 'evaluator', evaluator, iteration, prompt, options)).evaluation;
  };
  const evaluations = await settleAll(evaluators.map(one));
  const usable = evaluations.filter((e): e is Evaluation => e !== null);
  if (usable.length > 0 && usable.every((e) => e.simulated)) x.simulatedScores.add(answer.stepId);
  const score = usable.length === 0 ? null : meanOf(usable.map((e) => e.score));
  return { score, evaluations: usable };
}

/**
 * A council member's review of the answers under `labels` (label → step id): its rubric scores
 * and strict ranking, mapped back to the steps; tried once more when it cannot be read, and null
 * when it still cannot (the step is recorded failed).
 */
export async function review(
  x: RunExecution,
  labels: Record<string, string>,
  reviewer: Candidate,
  answers: Map<string, RunStep>,
  iteration: number,
): Promise<StepReview | null> {
  const shown = Object.entries(labels).map(([label, stepId]) => {
    const answer = answers.get(stepId);
    return { label, text: answer === undefined ? '' : shownToJudges(answer) };
  });
  const prompt = reviewPrompt(x.run.prompt, shown, x.domain);
  const interpret = (text: string): Interpretation | { error: string } => {
    const read = parseReview(text, Object.keys(labels));
    if ('error' in read) return read;
    const step = (label: string) => labels[label];
    return {
      review: {
        labels: { ...labels },
        ranking: read.ranking.map(step),
        scores: Object.fromEntries(Object.entries(read.scores).map(([label, scores]) => [step(label), scores])),
        simulated: read.simulated,
      },
    };
  };
  const options = { json: structured(reviewer) ? reviewFormat(Object.keys(labels)) : true, interpret };
  return (await judge(x, 'reviewer', reviewer, iteration, prompt, options)).review ?? null;
}

/** A judging call (an evaluation, a review), asked once more when its answer cannot be read. */
async function judge(
  x: RunExecution,
  role: StepRole,
  judge: Candidate,
  iteration: number,
  prompt: BuiltPrompt,
  options: CallOptions,
): Promise<RunStep> {
  const step = await x.call(role, [judge], iteration, prompt, options);
  if (step.error?.errorClass !== 'invalid_evaluation') return step;
  return x.call(role, [judge], iteration, reaskPrompt(prompt, step.error.message), options);
}
