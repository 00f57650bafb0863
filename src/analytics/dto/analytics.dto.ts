import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MinLength } from 'class-validator';
import { DateOrDateTime } from '../../common/date-or-date-time.js';
import { Optional } from '../../common/optional.js';
import { DOMAINS, type Domain } from '../../common/domains.js';

export const GROUP_BY = ['day', 'provider', 'model', 'session', 'strategy', 'key'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** A range of whole UTC days; default the last 30 days. Admin keys may name one owner. */
export class RangeQueryDto {
  /** First day: a date (2026-11-01) or an RFC 3339 date-time, whose UTC day counts. Default: 29 days before `to`. */
  @Optional()
  @DateOrDateTime('from', '2026-11-01')
  from?: string;

  /** Last day, included: a date or an RFC 3339 date-time. Default: today (UTC). */
  @Optional()
  @DateOrDateTime('to', '2026-11-30')
  to?: string;

  /** Admin keys: only this owner's numbers (default: everyone's). A user key may name only its own owner (403 otherwise). */
  @Optional()
  @IsString()
  @MinLength(1)
  ownerId?: string;
}

export class UsageQueryDto extends RangeQueryDto {
  @Optional()
  @ApiProperty({ enum: GROUP_BY, required: false, default: 'day' })
  @IsIn(GROUP_BY)
  groupBy: GroupBy = 'day';
}

export class ModelsQueryDto extends RangeQueryDto {
  /** Only the runs of prompts in this domain. */
  @Optional()
  @ApiProperty({ enum: DOMAINS, required: false })
  @IsIn(DOMAINS)
  domain?: Domain;
}

export class LatencyDto {
  @ApiProperty({ type: Number, nullable: true })
  mean: number | null;
  /** From histogram buckets: within one bucket's width (×1.5) of the true value. */
  @ApiProperty({ type: Number, nullable: true })
  p50: number | null;
  @ApiProperty({ type: Number, nullable: true })
  p95: number | null;
  @ApiProperty({ type: Number, nullable: true })
  p99: number | null;
}

export class UsageGroupDto {
  /** The day (YYYY-MM-DD), provider, model, session id or strategy. */
  key: string;
  calls: number;
  successes: number;
  failures: number;
  /** Failures by error class. */
  failuresByClass: Record<string, number>;
  errorRate: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** USD of the calls whose price is known. */
  costUsd: number;
  /** Calls whose cost is unknown (not in costUsd). */
  unknownCostCalls: number;
  latencyMs: LatencyDto;
  @ApiProperty({ type: Number, nullable: true })
  meanTimeToFirstTokenMs: number | null;
}

export class UsageReportDto {
  from: string;
  to: string;
  @ApiProperty({ enum: GROUP_BY })
  groupBy: GroupBy;
  groups: UsageGroupDto[];
}

export class CostLineDto {
  key: string;
  calls: number;
  costUsd: number;
  unknownCostCalls: number;
  /** Calls answered from the gateway's response cache (in `calls`, at $0). */
  cacheHits: number;
  /** What those hits saved: the cost of the calls they replayed (USD). */
  savedUsd: number;
}

export class CostReportDto {
  from: string;
  to: string;
  totalUsd: number;
  calls: number;
  /** Calls whose price was unknown: counted apart, not in totalUsd. */
  unknownCostCalls: number;
  /** Calls answered from the gateway's response cache (in `calls`, at $0). */
  cacheHits: number;
  /** What those hits saved (USD). */
  savedUsd: number;
  byProvider: CostLineDto[];
  byModel: CostLineDto[];
  bySession: CostLineDto[];
  /** Per API key (its id; `env:ADMIN_API_KEY` for calls made with ADMIN_API_KEY). */
  byKey: CostLineDto[];
}

export class LeaderboardRowDto {
  modelId: string;
  provider: string;
  calls: number;
  /** Runs in which it was chosen to write first. */
  chosenAsPrimary: number;
  /** Mean evaluation score its answers received (1–10). */
  @ApiProperty({ type: Number, nullable: true })
  meanScore: number | null;
  scoredAnswers: number;
  answers: number;
  /** Runs whose final answer it wrote. */
  finalAnswers: number;
  /** finalAnswers / answers. */
  @ApiProperty({ type: Number, nullable: true })
  finalRate: number | null;
  /** Mean score change its refinements brought. */
  @ApiProperty({ type: Number, nullable: true })
  meanImprovement: number | null;
  @ApiProperty({ type: Number, nullable: true })
  successRate: number | null;
  @ApiProperty({ type: Number, nullable: true })
  p50LatencyMs: number | null;
  costUsd: number;
}

export class LeaderboardDto {
  from: string;
  to: string;
  @ApiProperty({ enum: DOMAINS, nullable: true })
  domain: Domain | null;
  models: LeaderboardRowDto[];
}

export class StrategyReportDto {
  strategy: string;
  runs: number;
  /** Runs by final status: succeeded, failed, cancelled, budget_exceeded, interrupted. */
  outcomes: Record<string, number>;
  @ApiProperty({ type: Number, nullable: true })
  meanIterations: number | null;
  @ApiProperty({ type: Number, nullable: true })
  meanFirstScore: number | null;
  @ApiProperty({ type: Number, nullable: true })
  meanFinalScore: number | null;
  @ApiProperty({ type: Number, nullable: true })
  thresholdMetRate: number | null;
  @ApiProperty({ type: Number, nullable: true })
  meanCostUsd: number | null;
  @ApiProperty({ type: Number, nullable: true })
  meanLatencyMs: number | null;
}

export class OrchestrationReportDto {
  from: string;
  to: string;
  strategies: StrategyReportDto[];
}

export class SessionUsageDto extends UsageGroupDto {}

/** One MCP tool's calls over the range: how often, how often it failed and why, how long it took. */
export class ToolReportRowDto {
  /** `server/tool`. */
  tool: string;
  calls: number;
  /** Calls the model was shown an error for (the tool's own, a timeout, no server, the step's limit). */
  errors: number;
  errorRate: number;
  /** Errors by class: `tool_error`, `timeout`, `unavailable`, `bad_arguments`, `unknown_tool`, `limit_reached`, `cancelled`. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { timeout: 1 } })
  errorsByClass: Record<string, number>;
  durationMs: LatencyDto;
}

export class ToolReportDto {
  from: string;
  to: string;
  @ApiProperty({ type: [ToolReportRowDto] })
  tools: ToolReportRowDto[];
}
