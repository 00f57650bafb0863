import type { Domain } from '../../common/domains.js';

export const STEP_ROLES = [
  'primary',
  'proposer',
  'evaluator',
  'refiner',
  'aggregator',
  'reviewer',
  'chairman',
  'debater',
  'judge',
] as const;
export type StepRole = (typeof STEP_ROLES)[number];
export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'budget_exceeded',
  'interrupted',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface CandidateScore {
  modelId: string;
  score: number;
  reasons: string[];
}

export interface StepSummary {
  stepId: string;
  role: StepRole;
  modelId: string;
  iteration: number;
  status: 'succeeded' | 'failed';
  text: string;
  score: number | null;
  /** The step an evaluation judges. */
  evaluatesStepId: string | null;
  /** A council review: the answers it ranked (step ids), best first. */
  ranking: string[] | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  latencyMs: number;
  errorClass: string | null;
  /** Tools the step called (its tool loop); 0 without tools. */
  toolCalls: number;
}

export interface RunTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum of the calls whose price is known. */
  costUsd: number;
  /** Calls whose cost is unknown (no price): not in costUsd. */
  unknownCostCalls: number;
}

/**
 * Every event of the /orchestration namespace (and of the SSE streams) with its payload. This map
 * is the one source for the engine, the gateway, the tests and docs/asyncapi.yaml.
 */
export interface RunEventPayloads {
  'run.started': { sessionId: string; threadId: string; strategy: string; prompt: string };
  /**
   * A worker took the run over from one that died or stopped (a cluster): events go on after
   * `afterSeq`, the stored steps are kept and not called again, and the steps that were going (a
   * `step.started` without its `step.completed`) start again under new step ids.
   */
  'run.resumed': { afterSeq: number; reusedSteps: StepSummary[] };
  'run.domain_detected': { domain: Domain; complexity: 'low' | 'medium' | 'high'; reasons: string[] };
  'run.model_selected': { candidates: CandidateScore[]; team: Record<string, string[]>; notes: string[] };
  'step.started': { stepId: string; role: StepRole; modelId: string; iteration: number };
  'step.delta': { stepId: string; text: string };
  /**
   * The step's stream broke after its first token and is tried again (the same model once, then the
   * next candidate): drop the text its deltas gave so far; new deltas follow.
   */
  'step.retried': {
    stepId: string;
    /** The attempt that starts now (counting every attempt of the step). */
    attempt: number;
    modelId: string;
    errorClass: string;
    message: string;
    /** Characters of partial text to drop. */
    discardedChars: number;
  };
  /** A writer (or, with `judgeTools`, a judge) calls an MCP tool in its tool loop; its result follows. */
  'step.tool_call': {
    stepId: string;
    callId: string;
    /** `server/tool`. */
    tool: string;
    /** The arguments as the model wrote them (JSON text). */
    arguments: string;
    /** The step's model turn that asked for it (1, 2, …). */
    turn: number;
  };
  /** What the tool gave (stored before the model sees it), or why it gave nothing: `errorClass` set. */
  'step.tool_result': {
    stepId: string;
    callId: string;
    tool: string;
    /** What the model is shown: the result, or the error. */
    result: string;
    /** null: the tool answered; `tool_error`, `timeout`, `unavailable`, `bad_arguments`, `unknown_tool`, `limit_reached`, `cancelled`. */
    errorClass: string | null;
    durationMs: number;
    /** The result was cut at MCP_RESULT_MAX_CHARS. */
    truncated: boolean;
  };
  'step.completed': { step: StepSummary };
  'run.iteration_completed': { iteration: number; score: number | null; bestScore: number | null };
  /**
   * council: the members' reviews aggregated. Each answer's Borda count (on a ballot of k answers
   * the first gets k−1 points), mean rank and mean rubric score (1–10, null when no review scored
   * it), best first; `agreement` is Kendall's W over the reviews (null when it cannot be measured).
   */
  'run.ranked': {
    ranking: {
      stepId: string;
      modelId: string;
      borda: number;
      meanRank: number;
      meanScore: number | null;
      reviews: number;
    }[];
    agreement: number | null;
    reviews: number;
    selfRecusal: boolean;
    seed: string;
  };
  'run.cost_warning': { spentUsd: number; limitUsd: number };
  'run.threshold_met': { iteration: number; score: number; threshold: number };
  'run.completed': {
    status: 'succeeded' | 'budget_exceeded';
    answer: string | null;
    modelId: string | null;
    score: number | null;
    messageId: string | null;
    totals: RunTotals;
  };
  'run.failed': { errorClass: string; message: string; totals: RunTotals };
  'run.cancelled': { reason: string; totals: RunTotals };
  'run.interrupted': { reason: string };
}

export type RunEventType = keyof RunEventPayloads;

/** What a client receives: the payload with the run, its place in the run's sequence and the time. */
export type RunEvent<K extends RunEventType = RunEventType> = {
  [T in K]: { type: T; runId: string; seq: number; at: string; data: RunEventPayloads[T] };
}[K];

/** The events that end a run: nothing follows them. */
export const FINAL_EVENTS: readonly RunEventType[] = [
  'run.completed',
  'run.failed',
  'run.cancelled',
  'run.interrupted',
];
