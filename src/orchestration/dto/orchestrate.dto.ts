import { ApiProperty, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsPositive,
  IsString,
  Max,
  Min,
  MinLength,
  Matches,
} from 'class-validator';
import { Optional } from '../../common/optional.js';
import { SessionSettingsDto } from '../../sessions/dto/session-settings.dto.js';
import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import { COMMON_OPTION_SPECS as COMMON, STRATEGY_OPTIONS as LIMITS } from '../engine/strategy-catalogue.js';
import { ObjectIdField } from '../../common/parse-object-id.pipe.js';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Starts a run. Options left out come from the session's settings, then from the server's defaults. */
export class OrchestrateDto extends PickType(SessionSettingsDto, ['maxIterations', 'qualityThreshold'] as const) {
  @ObjectIdField('sessionId must be a 24-character hexadecimal id', { optional: false })
  sessionId: string;

  /** Omitted: a new thread is created in the session. */
  @Optional()
  @ObjectIdField('threadId must be a 24-character hexadecimal id', { optional: true })
  threadId?: string;

  /** Stored as a user message of the thread; at most MESSAGE_MAX_CHARS characters (413 beyond). */
  @IsString()
  @MinLength(1)
  prompt: string;

  /** Default: the session's `defaultStrategy` (`improve` unless changed). */
  @Optional()
  @ApiProperty({ enum: STRATEGIES, required: false })
  @IsIn(STRATEGIES)
  strategy?: Strategy;

  /** Catalogue ids: only these models take part (improve needs two: a writer and an evaluator). */
  @Optional()
  @IsArray()
  // Literals: the Swagger plugin documents array sizes only from them (COMMON.models has the same).
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @ArrayUnique()
  @IsString({ each: true })
  models?: string[];

  /** USD, more than 0; a call that could pass it is not started, and the run ends `budget_exceeded`. */
  @Optional()
  // The plugin reads @IsPositive as `minimum: 1`: 0.5 is a valid limit.
  @ApiProperty({ required: false, minimum: 0, exclusiveMinimum: true, maximum: COMMON.costLimitUsd.maximum })
  @IsNumber()
  @IsPositive()
  @Max(COMMON.costLimitUsd.maximum)
  costLimitUsd?: number;

  /** Output ceiling of each model call. */
  @Optional()
  @IsInt()
  @Min(COMMON.maxTokens.minimum)
  @Max(COMMON.maxTokens.maximum)
  maxTokens?: number;

  @Optional()
  @IsNumber()
  @Min(COMMON.temperature.minimum)
  @Max(COMMON.temperature.maximum)
  temperature?: number;

  /** Evaluators per answer (improve, cascade, compare). Default 2. */
  @Optional()
  @IsInt()
  @Min(LIMITS.evaluators.minimum)
  @Max(LIMITS.evaluators.maximum)
  evaluators?: number;

  /** Models that answer: proposers (ensemble), compared models (compare), members (council). Default 3. */
  @Optional()
  @IsInt()
  @Min(LIMITS.proposers.minimum)
  @Max(LIMITS.proposers.maximum)
  proposers?: number;

  /** ensemble: proposer layers before the aggregator. Default 1. */
  @Optional()
  @IsInt()
  @Min(LIMITS.layers.minimum)
  @Max(LIMITS.layers.maximum)
  layers?: number;

  /** ensemble: Self-MoA, samples of the one best model instead of several models. Default false. */
  @Optional()
  @IsBoolean()
  selfMoa?: boolean;

  /** debate: rounds in which each agent revises its answer after reading the others'. Default 2. */
  @Optional()
  @IsInt()
  @Min(LIMITS.rounds.minimum)
  @Max(LIMITS.rounds.maximum)
  rounds?: number;

  /** compare: have each answer evaluated (default false). debate: a judge writes the final answer (default true). */
  @Optional()
  @IsBoolean()
  evaluate?: boolean;

  /** council: no member reviews its own answer. Default true. */
  @Optional()
  @IsBoolean()
  selfRecusal?: boolean;

  /** council: what the reviewers' label orders are drawn from; made at the start when left out, and stored on the run. */
  @Optional()
  @Matches(/^[\w.-]{1,64}$/, { message: "seed must be 1 to 64 letters, digits, '.', '_' or '-'" })
  seed?: string;

  /**
   * MCP tools the writers may call (GET /api/mcp/servers lists them): a server id for all its
   * tools, or `server/tool`. Each writing step runs a tool loop: its calls executed, their results
   * fed back, until it answers or `maxToolCalls` is reached.
   */
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ArrayUnique()
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}(\/[^\s/][^\s]{0,127})?$/, {
    each: true,
    message: 'tools: each must be an MCP server id (lower-case letters, digits, dashes) or server/tool',
  })
  tools?: string[];

  /** Tool calls each step may make before it must answer from what it has (default 8). Needs `tools`. */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(32)
  maxToolCalls?: number;

  /** Judges (evaluators, reviewers, judge, chairman, aggregator) get the tools too (default false: they see the writers' calls and results). Needs `tools`. */
  @Optional()
  @IsBoolean()
  judgeTools?: boolean;
}

export class OrchestrateQueryDto {
  /** Answer when the run ends (at most ORCHESTRATE_WAIT_MS), with the whole run. */
  @Optional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'wait must be true or false' })
  wait?: boolean;
}
