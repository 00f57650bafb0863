import type { ProviderError } from '../../providers/provider.error.js';
import type { StepReview } from '../run.schema.js';
import type { Evaluation } from './evaluation.js';

/** What a judging step's answer was read as. */
export interface Interpretation {
  evaluation?: Evaluation;
  review?: StepReview;
}

/** A step's answer read as its judgement (an evaluation, a review), or the reason it failed. */
export interface Judgement {
  evaluation: Evaluation | null;
  review: StepReview | null;
  failure: { errorClass: string; message: string } | null;
}

/**
 * Reads a step's answer with its interpreter (judging steps have one). An answer that cannot be
 * read fails the step as `invalid_evaluation`. Configuration decides what is simulated: a real
 * model writing `"simulated": true` is still judging.
 */
export function judgementOf(
  text: string,
  error: ProviderError | null,
  interpret: ((text: string) => Interpretation | { error: string }) | undefined,
  simulatedProvider: boolean,
): Judgement {
  if (error !== null)
    return { evaluation: null, review: null, failure: { errorClass: error.errorClass, message: error.message } };
  if (interpret === undefined) return { evaluation: null, review: null, failure: null };
  const read = interpret(text);
  if ('error' in read) {
    return { evaluation: null, review: null, failure: { errorClass: 'invalid_evaluation', message: read.error } };
  }
  return {
    evaluation: read.evaluation
      ? { ...read.evaluation, simulated: simulatedProvider && read.evaluation.simulated }
      : null,
    review: read.review ? { ...read.review, simulated: simulatedProvider && read.review.simulated } : null,
    failure: null,
  };
}
