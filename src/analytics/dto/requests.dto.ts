import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { MomentRangeQueryDto } from '../../common/dto/moment-range-query.dto.js';
import { Optional } from '../../common/optional.js';
import { ObjectIdField } from '../../common/parse-object-id.pipe.js';
import { ERROR_CLASSES } from '../../providers/provider.error.js';

const CALL_STATUSES = ['succeeded', 'failed'] as const;
/** Error classes a call can end with: the providers' and an evaluation the engine could not read. */
export const CALL_ERROR_CLASSES = [...ERROR_CLASSES, 'invalid_evaluation'] as const;

/** Filters of the request log; each one given narrows it. */
export class ListRequestsQueryDto extends MomentRangeQueryDto {
  /** Calls made with this API key. */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  keyId?: string;

  /** Admin keys: one owner's calls. A user key may name only its own owner (403 otherwise). */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  ownerId?: string;

  /** A catalogue model id (`openai/gpt-5.4-mini`). */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  modelId?: string;

  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  provider?: string;

  @Optional()
  @ApiProperty({ enum: CALL_STATUSES, required: false })
  @IsIn(CALL_STATUSES)
  status?: (typeof CALL_STATUSES)[number];

  @Optional()
  @ApiProperty({ enum: CALL_ERROR_CLASSES, required: false })
  @IsIn(CALL_ERROR_CLASSES)
  errorClass?: string;

  /** The calls of one orchestration run. */
  @Optional()
  @ObjectIdField('runId must be a 24-character hexadecimal id', { optional: true })
  runId?: string;
}

/** One failed attempt of a call: a retry or a fallback followed it, or the call failed with it. */
export class FailedAttemptDto {
  /** The provider and the model as the provider knows it. */
  target: string;
  /** Which attempt at that model (1, 2, 3…). */
  attempt: number;
  errorClass: string;
  /** The upstream HTTP status, when there was one. */
  status: number | null;
  message: string;
}

/** One model call as the request log keeps it. */
export class RequestRecordDto {
  id: string;
  at: string;
  ownerId: string;
  keyId: string | null;
  provider: string;
  modelId: string;
  /** `gateway` (/v1), `test` (a model test) or a run step's role (primary, evaluator…). */
  role: string;
  /** The run's strategy; `none` outside runs. */
  strategy: string;
  status: string;
  errorClass: string | null;
  errorMessage: string | null;
  /** Attempts over every model tried (retries and fallbacks included). */
  attempts: number;
  failedAttempts: FailedAttemptDto[];
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** Null: unknown (no price, or no usage reported). */
  costUsd: number | null;
  sessionId: string | null;
  threadId: string | null;
  runId: string | null;
  stepId: string | null;
  /** The HTTP request the call was made for (`x-request-id`). */
  requestId: string | null;
  /** The OpenTelemetry trace of the call (`x-trace-id`); null when tracing is off. */
  traceId: string | null;
  /** Answered from the gateway's response cache: no model was called, it cost $0. */
  cacheHit: boolean;
  /** A cache hit: the cost (USD) of the call it replayed, saved; null otherwise or when unknown. */
  @ApiProperty({ type: Number, nullable: true })
  savedUsd: number | null;
}
