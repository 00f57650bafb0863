// The criteria the engine's evaluation prompt asks for: the simulator answers with exactly these.
import { EVALUATION_CRITERIA } from '../src/orchestration/engine/prompts.js';

import { createHash } from 'node:crypto';

const WORDS = (
  'the model considers your question and answers step by step with care clarity and evidence ' +
  'first it restates the problem then it weighs options compares tradeoffs checks edge cases ' +
  'and explains a result that a reader can verify simulated output from the orchestratex upstream ' +
  'simulator stands in for a real model so the whole system runs offline deterministic and repeatable'
).split(' ');

/** A deterministic generator seeded by the request, so the same request gets the same answer. */
export class SeededWords {
  private state: Buffer;
  private index = 0;

  constructor(seed: string) {
    this.state = createHash('sha256').update(seed).digest();
  }

  private nextByte(): number {
    if (this.index >= this.state.length) {
      this.state = createHash('sha256').update(this.state).digest();
      this.index = 0;
    }
    return this.state[this.index++];
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + (((this.nextByte() << 8) | this.nextByte()) % (max - min + 1));
  }

  word(): string {
    return WORDS[this.int(0, WORDS.length - 1)];
  }

  /** `count` tokens of text: each token is one word with its leading space. */
  tokens(count: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < count; i += 1) out.push(i === 0 ? capitalise(this.word()) : ` ${this.word()}`);
    if (out.length > 0) out[out.length - 1] += '.';
    return out;
  }
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * A simulated evaluation in strict JSON. Scores are derived from a hash of the request, not from any
 * judgement: the simulator exists so the loop can run offline, and it says so in `simulated`, so
 * they never count as observations. A score a test queued (`queueScores`) stands for the verdict
 * the test scripted for a judge, and carries no such flag.
 */
export function simulatedEvaluation(seed: string, score?: number): string {
  const rng = new SeededWords(`evaluation:${seed}`);
  const scores = Object.fromEntries(EVALUATION_CRITERIA.map((c) => [c, score ?? rng.int(5, 10)]));
  return JSON.stringify({
    scores,
    strengths: [rng.tokens(6).join('')],
    weaknesses: [rng.tokens(6).join('')],
    suggestions: [rng.tokens(8).join('')],
    ...(score === undefined ? { simulated: true } : {}),
  });
}

/**
 * A simulated council review in strict JSON: rubric scores for each label and a ranking of all of
 * them, both from a hash of the request (a queued score, when a test gave one, for every
 * criterion of every answer, and no `simulated` flag), never from a judgement.
 */
export function simulatedReview(seed: string, labels: string[], score?: number): string {
  const rng = new SeededWords(`review:${seed}`);
  const scores = Object.fromEntries(
    labels.map((label) => [label, Object.fromEntries(EVALUATION_CRITERIA.map((c) => [c, score ?? rng.int(5, 10)]))]),
  );
  const ranking = [...labels];
  for (let i = ranking.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [ranking[i], ranking[j]] = [ranking[j], ranking[i]];
  }
  return JSON.stringify({ scores, ranking, ...(score === undefined ? { simulated: true } : {}) });
}
