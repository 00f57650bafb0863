import type { Types } from 'mongoose';
import type { FailedAttempt, NormalizedUsage } from '../providers/provider.types.js';

/** One model call, as every entry point reports it. */
export interface CallUsage {
  ownerId: string;
  /** The API key the call was made with (its spend and limits); null for calls of no key. */
  keyId?: string | null;
  sessionId?: string | null;
  threadId?: string | null;
  runId?: string | null;
  stepId?: string | null;
  role: string;
  strategy: string | null;
  provider: string;
  modelId: string;
  domain: string | null;
  usage: NormalizedUsage | null;
  /** Null: unknown. */
  costUsd: number | null;
  latencyMs: number;
  ttftMs: number | null;
  status: 'succeeded' | 'failed';
  errorClass: string | null;
  at?: Date;
  /** Attempts made, over every model tried (1 when the first answered). */
  attempts?: number;
  /** The attempts that failed before the answer or the error: retries and fallbacks. */
  failedAttempts?: FailedAttempt[];
  /** What went wrong, in words, when the call failed. */
  errorMessage?: string | null;
  /** The HTTP request the call was made for (a run's calls: the request that started it). */
  requestId?: string | null;
  /** The OpenTelemetry trace the call's span is in (null when tracing is off). */
  traceId?: string | null;
  /** Answered from the gateway's response cache: no model was called (cost 0). */
  cacheHit?: boolean;
  /** A cache hit: what the call it replays cost (USD), saved; null when that was unknown. */
  savedUsd?: number | null;
  /** A fixed id (a run step's call), so that recording it again after a takeover finds it stored. */
  id?: Types.ObjectId;
}

/** One MCP tool call (a run's tool loop, or the gateway's), for the tool numbers. */
export interface ToolCallUsage {
  ownerId: string;
  /** `server/tool`. */
  tool: string;
  /** null: it answered; else why not (`tool_error`, `timeout`, `unavailable`…). */
  errorClass: string | null;
  durationMs: number;
  at?: Date;
}

/** How a run ended, for the orchestration numbers and the leaderboard. */
export interface RunOutcome {
  ownerId: string;
  strategy: string;
  status: string;
  domain: string | null;
  iterations: number;
  firstScore: number | null;
  finalScore: number | null;
  thresholdMet: boolean;
  costUsd: number;
  durationMs: number;
  endedAt: Date;
  /** The model(s) chosen to write first. */
  primaryModels: { modelId: string; provider: string }[];
  finalModel: { modelId: string; provider: string } | null;
  /** Every answer written (primary, refiner, proposer, aggregator), with its mean score if evaluated. */
  answers: { modelId: string; provider: string; score: number | null }[];
  /** Refinements: how much each raised (or lowered) the score of the answer it rewrote. */
  improvements: { modelId: string; provider: string; delta: number }[];
}
