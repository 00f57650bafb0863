import { ApiProperty } from '@nestjs/swagger';
import { UsageDto } from '../../models/dto/model-test.response.dto.js';
import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import { RUN_STATUSES, STEP_ROLES, type RunEvent, type RunStatus } from '../events/run-events.js';
import type { RunRecord } from '../runs.repository.js';
import type { RunStep } from '../run.schema.js';

export class RunCreatedDto {
  runId: string;
  threadId: string;
  @ApiProperty({ enum: RUN_STATUSES })
  status: RunStatus;
}

export class CandidateDto {
  modelId: string;
  score: number;
  reasons: string[];
}

export class RunTotalsDto {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** USD, the calls with a known price. */
  costUsd: number;
  /** Calls whose price is unknown, not in costUsd. */
  unknownCostCalls: number;
}

export class EvaluationDto {
  /** 1–10 per criterion: accuracy, relevance, clarity, completeness, domain_expertise. */
  scores: Record<string, number>;
  /** Their mean. */
  score: number;
  strengths: string[];
  weaknesses: string[];
  suggestions: string[];
  /** The evaluator declared its scores simulated (the upstream simulator does): not a judgement. */
  simulated: boolean;
}

/** A council member's review: the answers it saw under labels, and how it ranked and scored them. */
export class ReviewDto {
  /** label → the step id of the answer shown under it (the mapping the reviewer did not see). */
  labels: Record<string, string>;
  /** Step ids, best first. */
  ranking: string[];
  /** Rubric scores (1–10 per criterion) of each answer, by step id. */
  scores: Record<string, Record<string, number>>;
  /** The reviewer declared it simulated (the upstream simulator does): not a judgement. */
  simulated: boolean;
}

export class ChatMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant'] })
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export class StepPromptDto {
  /** answer, evaluate, refine or aggregate. */
  id: string;
  version: number;
  messages: ChatMessageDto[];
}

export class StepErrorDto {
  errorClass: string;
  message: string;
}

/** A tool the step called in its tool loop, and what it gave. */
export class StepToolCallDto {
  /** The step's model turn that asked for it (1, 2, …). */
  turn: number;
  callId: string;
  /** `server/tool`. */
  tool: string;
  /** The arguments as the model wrote them (JSON text). */
  arguments: string;
  /** What the model was shown: the result, or the error. */
  result: string;
  /** null: the tool answered; else why not (`tool_error`, `timeout`, `unavailable`, `limit_reached`…). */
  @ApiProperty({ type: String, nullable: true })
  errorClass: string | null;
  durationMs: number;
  truncated: boolean;
}

export class RunStepDto {
  stepId: string;
  index: number;
  @ApiProperty({ enum: STEP_ROLES })
  role: string;
  modelId: string;
  iteration: number;
  @ApiProperty({ enum: ['succeeded', 'failed'] })
  status: 'succeeded' | 'failed';
  text: string;
  @ApiProperty({ type: EvaluationDto, nullable: true })
  evaluation: EvaluationDto | null;
  @ApiProperty({ type: String, nullable: true })
  evaluatesStepId: string | null;
  /** A council review (role reviewer); null for every other step. */
  @ApiProperty({ type: ReviewDto, nullable: true })
  review: ReviewDto | null;
  @ApiProperty({ type: UsageDto, nullable: true })
  usage: UsageDto | null;
  /** Null: unknown price (or no usage reported). */
  @ApiProperty({ type: Number, nullable: true })
  costUsd: number | null;
  latencyMs: number;
  @ApiProperty({ type: Number, nullable: true })
  timeToFirstTokenMs: number | null;
  attempts: number;
  @ApiProperty({ type: StepErrorDto, nullable: true })
  error: StepErrorDto | null;
  prompt: StepPromptDto;
  /** The tools the step called (runs with `tools`); empty otherwise. */
  @ApiProperty({ type: [StepToolCallDto] })
  toolCalls: StepToolCallDto[];
  startedAt: string;
  endedAt: string;
}

export class RunSummaryDto {
  id: string;
  sessionId: string;
  threadId: string;
  @ApiProperty({ enum: STRATEGIES })
  strategy: Strategy;
  @ApiProperty({ enum: RUN_STATUSES })
  status: RunStatus;
  prompt: string;
  options: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true })
  domain: string | null;
  @ApiProperty({ type: String, nullable: true })
  complexity: string | null;
  iterations: number;
  /** The final answer: the best-scored version. */
  @ApiProperty({ type: String, nullable: true })
  answer: string | null;
  @ApiProperty({ type: String, nullable: true })
  answerModelId: string | null;
  /** The step whose text is the answer. */
  @ApiProperty({ type: String, nullable: true })
  answerStepId: string | null;
  /** The answer's mean evaluation score (null when it was not evaluated). */
  @ApiProperty({ type: Number, nullable: true })
  score: number | null;
  @ApiProperty({ type: Number, nullable: true })
  firstScore: number | null;
  thresholdMet: boolean;
  /** The assistant message the answer was stored as. */
  @ApiProperty({ type: String, nullable: true })
  answerMessageId: string | null;
  totals: RunTotalsDto;
  @ApiProperty({ type: StepErrorDto, nullable: true })
  error: StepErrorDto | null;
  createdAt: string;
  @ApiProperty({ type: String, nullable: true })
  endedAt: string | null;
}

export class RunResponseDto extends RunSummaryDto {
  domainReasons: string[];
  candidates: CandidateDto[];
  /** Model ids by the part they play. */
  team: Record<string, string[]>;
  /** What the team had to make do with: a model judging its own answers, a ladder of models weak in the domain. */
  teamNotes: string[];
  steps: RunStepDto[];
  /** The OpenTelemetry trace the run's spans are in (the request that started it); null when tracing is off. */
  traceId: string | null;
}

/** One event as clients receive it: over Socket.IO (the event name is `type`), SSE and REST. */
export class RunEventDto {
  type: string;
  runId: string;
  /** 1, 2, 3… per run, no gaps. */
  seq: number;
  at: string;
  data: Record<string, unknown>;
}

export function toRunSummary(run: RunRecord): RunSummaryDto {
  return {
    id: run._id.toHexString(),
    sessionId: run.sessionId.toHexString(),
    threadId: run.threadId.toHexString(),
    strategy: run.strategy,
    status: run.status,
    prompt: run.prompt,
    options: { ...run.options },
    domain: run.domain ?? null,
    complexity: run.complexity ?? null,
    iterations: run.iterations ?? 0,
    answer: run.answer ?? null,
    answerModelId: run.answerModelId ?? null,
    answerStepId: run.answerStepId ?? null,
    score: run.score ?? null,
    firstScore: run.firstScore ?? null,
    thresholdMet: run.thresholdMet ?? false,
    answerMessageId: run.answerMessageId?.toHexString() ?? null,
    totals: { ...run.totals },
    error: run.error ?? null,
    createdAt: run.createdAt.toISOString(),
    endedAt: run.endedAt?.toISOString() ?? null,
  };
}

function toStep(step: RunStep): RunStepDto {
  // callKey and usageId are the engine's own (a takeover's bookkeeping), not the client's.
  const { callKey: _callKey, usageId: _usageId, ...shown } = step;
  return {
    ...shown,
    evaluation: step.evaluation && { ...step.evaluation, scores: { ...step.evaluation.scores } },
    review: step.review ? { ...step.review, ranking: [...step.review.ranking] } : null,
    prompt: {
      id: step.prompt.id,
      version: step.prompt.version,
      messages: step.prompt.messages.map((m) => ({ role: m.role, content: m.content })),
    },
    toolCalls: (step.toolCalls ?? []).map((c) => ({ ...c })),
    startedAt: new Date(step.startedAt).toISOString(),
    endedAt: new Date(step.endedAt).toISOString(),
  };
}

export function toRunResponse(run: RunRecord): RunResponseDto {
  return {
    ...toRunSummary(run),
    domainReasons: [...(run.domainReasons ?? [])],
    candidates: (run.candidates ?? []).map((c) => ({ ...c })),
    team: { ...run.team },
    teamNotes: [...(run.teamNotes ?? [])],
    steps: (run.steps ?? []).map(toStep),
    traceId: run.traceparent?.split('-')[1] ?? null,
  };
}

export function toRunEvent(event: RunEvent): RunEventDto {
  return { type: event.type, runId: event.runId, seq: event.seq, at: event.at, data: { ...event.data } };
}
