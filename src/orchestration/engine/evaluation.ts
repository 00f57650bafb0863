import { EVALUATION_CRITERIA, MAX_POINTS, type Criterion } from './prompts.js';

export interface Evaluation {
  scores: Record<Criterion, number>;
  /** The mean of the criteria, 1 to 10. */
  score: number;
  strengths: string[];
  weaknesses: string[];
  suggestions: string[];
  /** The evaluator said its scores are simulated (the upstream simulator does): not a judgement. */
  simulated: boolean;
}

/** An object of exactly these properties, every one required (what strict structured outputs accept). */
export const strictObject = (properties: Record<string, unknown>) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

/** A criterion's score: a whole number from 1 to 10 (an enum, which grammar-based servers enforce too). */
const SCORE_SCHEMA = { type: 'integer', enum: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] };

/** Every criterion's score. */
export const RUBRIC_SCHEMA = strictObject(Object.fromEntries(EVALUATION_CRITERIA.map((c) => [c, SCORE_SCHEMA])));

const POINTS_SCHEMA = { type: 'array', items: { type: 'string' }, maxItems: MAX_POINTS };

/** The evaluation's shape, for a provider that enforces a schema. */
export const EVALUATION_FORMAT = {
  name: 'evaluation',
  schema: strictObject({
    scores: RUBRIC_SCHEMA,
    strengths: POINTS_SCHEMA,
    weaknesses: POINTS_SCHEMA,
    suggestions: POINTS_SCHEMA,
  }),
};

function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
}

/** The first balanced {...} in a text: models wrap JSON in prose or code fences. */
export function jsonObjectIn(text: string): unknown {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth === 0) {
        try {
          return JSON.parse(text.slice(start, i + 1));
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

/** The mean of some scores, to two decimals. */
export const meanOf = (values: number[]): number =>
  Math.round((values.reduce((sum, v) => sum + v, 0) / values.length) * 100) / 100;

/** A rubric's overall score: the mean of its criteria. */
export const rubricMean = (scores: Record<Criterion, number>): number =>
  meanOf(EVALUATION_CRITERIA.map((c) => scores[c]));

/** Every criterion's score, each a number from 1 to 10 (numeric strings accepted). */
export function readScores(source: unknown): { scores: Record<Criterion, number> } | { error: string } {
  const given = (typeof source === 'object' && source !== null ? source : {}) as Record<string, unknown>;
  const scores = {} as Record<Criterion, number>;
  for (const criterion of EVALUATION_CRITERIA) {
    const raw = given[criterion];
    const value = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > 10) {
      return { error: `no score from 1 to 10 for ${criterion}` };
    }
    scores[criterion] = value;
  }
  return { scores };
}

/**
 * Reads an evaluator's answer. Tolerant of prose or fences around the object, of scores given as
 * numeric strings and of a flat shape without `scores`; strict about what counts: every criterion
 * present, each a number from 1 to 10. Returns an error message when the answer cannot be used.
 */
export function parseEvaluation(text: string): Evaluation | { error: string } {
  const parsed = jsonObjectIn(text);
  if (typeof parsed !== 'object' || parsed === null) return { error: 'the evaluation is not a JSON object' };
  const root = parsed as Record<string, unknown>;
  const source = (typeof root.scores === 'object' && root.scores !== null ? root.scores : root) as Record<
    string,
    unknown
  >;
  const read = readScores(source);
  if ('error' in read) return { error: `the evaluation has ${read.error}` };
  const { scores } = read;
  return {
    scores,
    score: rubricMean(scores),
    strengths: strings(root.strengths),
    weaknesses: strings(root.weaknesses),
    suggestions: strings(root.suggestions),
    simulated: root.simulated === true,
  };
}
