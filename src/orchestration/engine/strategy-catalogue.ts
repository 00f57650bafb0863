import type { Strategy } from '../../common/strategies.js';

/** A run option a strategy reads, as `GET /api/orchestrate/strategies` describes it (`string[]`: its length). */
export interface OptionSpec {
  /** `string[]`: a list of catalogue model ids. */
  type: 'integer' | 'number' | 'boolean' | 'string' | 'string[]';
  description: string;
  /** Null: none (the server makes one, or the option is off). */
  default: number | boolean | string | null;
  minimum?: number;
  maximum?: number;
}

/**
 * The options only some strategies read: their defaults and limits are these (the request DTO's
 * validators use the same figures), and a run of a strategy that does not read one refuses it.
 */
export const STRATEGY_OPTIONS = {
  evaluators: {
    type: 'integer',
    description: 'Evaluators per answer.',
    default: 2,
    minimum: 1,
    maximum: 5,
  },
  proposers: {
    type: 'integer',
    description: 'Models that answer: ensemble proposers, compared models, council members.',
    default: 3,
    minimum: 1,
    maximum: 8,
  },
  layers: {
    type: 'integer',
    description: 'Proposer layers before the aggregator.',
    default: 1,
    minimum: 1,
    maximum: 3,
  },
  evaluate: {
    type: 'boolean',
    description:
      'compare: have each answer evaluated. debate: a judge writes the final answer (else the consensus of the last round is the answer).',
    default: false,
  },
  selfMoa: {
    type: 'boolean',
    description:
      'Self-MoA (arXiv 2502.00674): the proposers are proposers samples of the one best model (at temperature 0.7 unless the run sets one), and it aggregates them too.',
    default: false,
  },
  rounds: {
    type: 'integer',
    description: "Rounds in which each agent revises its answer after reading the others' latest answers.",
    default: 2,
    minimum: 1,
    maximum: 4,
  },
  selfRecusal: {
    type: 'boolean',
    description: 'No member reviews its own answer.',
    default: true,
  },
  seed: {
    type: 'string',
    description:
      "What the reviewers' label orders are drawn from (1–64 letters, digits, '.', '_' or '-'); made at the start when left out, and stored on the run.",
    default: null,
  },
} as const satisfies Record<string, OptionSpec>;
export type StrategyOption = keyof typeof STRATEGY_OPTIONS;

/** The options every strategy reads (their limits are the session settings'). */
export const COMMON_OPTIONS = [
  'models',
  'costLimitUsd',
  'maxTokens',
  'temperature',
  'maxIterations',
  'qualityThreshold',
] as const;

/**
 * The options every strategy reads, as the strategies endpoint describes them (the request DTO's
 * validators use the same limits). A null default: the session's setting, else the server's.
 */
export const COMMON_OPTION_SPECS = {
  models: {
    type: 'string[]',
    description: 'Catalogue ids: only these models take part (1 to 12; improve needs two: a writer and an evaluator).',
    default: null,
    minimum: 1,
    maximum: 12,
  },
  costLimitUsd: {
    type: 'number',
    description:
      "USD, more than 0: a call that could pass it is not started, and the run ends budget_exceeded (default: the session's).",
    default: null,
    minimum: 0,
    maximum: 10_000,
  },
  maxTokens: {
    type: 'integer',
    description: 'Output ceiling of each model call.',
    default: null,
    minimum: 16,
    maximum: 200_000,
  },
  temperature: {
    type: 'number',
    description: "Sampling temperature of every call (default: each model's own).",
    default: null,
    minimum: 0,
    maximum: 2,
  },
  maxIterations: {
    type: 'integer',
    description: "Most refinement iterations (default: the session's, 3 unless changed).",
    default: null,
    minimum: 1,
    maximum: 10,
  },
  qualityThreshold: {
    type: 'number',
    description: "Mean evaluation score (0–10) at which refinement stops (default: the session's, 8 unless changed).",
    default: null,
    minimum: 0,
    maximum: 10,
  },
} as const satisfies Record<(typeof COMMON_OPTIONS)[number], OptionSpec>;

export interface StrategySpec {
  summary: string;
  /** The roles of its team (the `team` of `run.model_selected`). */
  roles: string[];
  /** The least number of distinct models it can run with. */
  minModels: number;
  options: StrategyOption[];
  /** Where its default differs from the option's own. */
  defaults?: Partial<Record<StrategyOption, number | boolean>>;
  /** It loops until a score reaches qualityThreshold or maxIterations (the others read neither). */
  loops?: true;
}

/** The loop's options: only strategies that loop read them. */
const LOOP_OPTIONS: readonly string[] = ['maxIterations', 'qualityThreshold'];

/** The common options a run of `strategy` reads. */
export function commonOptionsOf(strategy: Strategy): (typeof COMMON_OPTIONS)[number][] {
  return STRATEGY_SPECS[strategy].loops ? [...COMMON_OPTIONS] : COMMON_OPTIONS.filter((o) => !LOOP_OPTIONS.includes(o));
}

/** The options only some strategies read: each strategy's own, and the loop's. */
export const PARTIAL_OPTIONS: readonly string[] = [...Object.keys(STRATEGY_OPTIONS), ...LOOP_OPTIONS];

/** Whether a run of `strategy` reads `option`, one of PARTIAL_OPTIONS (a run refuses the others). */
export function reads(strategy: Strategy, option: string): boolean {
  const spec = STRATEGY_SPECS[strategy];
  return (spec.options as readonly string[]).includes(option) || (spec.loops === true && LOOP_OPTIONS.includes(option));
}

/** The default of `option` on a run of `strategy`. */
export function defaultOf(strategy: Strategy, option: StrategyOption): number | boolean | string | null {
  return STRATEGY_SPECS[strategy].defaults?.[option] ?? STRATEGY_OPTIONS[option].default;
}

export const STRATEGY_SPECS: Record<Strategy, StrategySpec> = {
  route: {
    summary: 'The specialist model of the domain answers. One call.',
    roles: ['primary', 'fallbacks'],
    minModels: 1,
    options: [],
  },
  improve: {
    summary:
      'The primary answers; evaluators score it; below qualityThreshold the primary rewrites it with their critiques, up to maxIterations. The best-scored version is the answer.',
    roles: ['primary', 'evaluators', 'fallbacks'],
    minModels: 2,
    options: ['evaluators'],
    loops: true,
  },
  ensemble: {
    summary:
      'Mixture-of-Agents: proposers answer in parallel, layer by layer; an aggregator writes one answer from theirs.',
    roles: ['proposers', 'aggregator', 'fallbacks'],
    minModels: 1,
    options: ['proposers', 'layers', 'selfMoa'],
  },
  cascade: {
    summary:
      'FrugalGPT: the cheapest adequate model answers; below qualityThreshold, the next stronger one, up to maxIterations rungs.',
    roles: ['ladder', 'evaluators'],
    minModels: 2,
    options: ['evaluators'],
    loops: true,
  },
  compare: {
    summary: 'The same prompt to several models in parallel; each answer kept, evaluated when evaluate is true.',
    roles: ['proposers', 'evaluators'],
    minModels: 1,
    options: ['proposers', 'evaluate', 'evaluators'],
  },
  council: {
    summary:
      "Members answer independently; each reviews the others' answers anonymised (labels shuffled per reviewer from the seed; its own left out with selfRecusal) with rubric scores and a strict ranking; ranks are aggregated (Borda count, mean rank, Kendall's W); a chairman writes the final answer from the answers and the reviews.",
    roles: ['proposers', 'aggregator', 'fallbacks'],
    minModels: 2,
    options: ['proposers', 'selfRecusal', 'seed'],
  },
  debate: {
    summary:
      "Multiagent debate (Du et al., 2023): proposers agents answer, then for rounds rounds each revises its answer after reading the others' latest ones; a judge writes the final answer from the last round (with evaluate false, the last round's consensus is the answer: the one closest to the others).",
    roles: ['proposers', 'aggregator', 'fallbacks'],
    minModels: 2,
    options: ['proposers', 'rounds', 'evaluate'],
    defaults: { evaluate: true },
  },
};
