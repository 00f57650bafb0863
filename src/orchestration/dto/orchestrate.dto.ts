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
import { STRATEGIES, type Strategy } from '../../sessions/session.schema.js';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Starts a run. Options left out come from the session's settings, then from the server's defaults. */
export class OrchestrateDto extends PickType(SessionSettingsDto, ['maxIterations', 'qualityThreshold'] as const) {
  @Matches(/^[0-9a-f]{24}$/, { message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId: string;

  /** Omitted: a new thread is created in the session. */
  @Optional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'threadId must be a 24-character hexadecimal id' })
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
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @ArrayUnique()
  @IsString({ each: true })
  models?: string[];

  /** USD; a call that could pass it is not started, and the run ends `budget_exceeded`. */
  @Optional()
  @IsNumber()
  @IsPositive()
  @Max(10_000)
  costLimitUsd?: number;

  /** Output ceiling of each model call. */
  @Optional()
  @IsInt()
  @Min(16)
  @Max(200_000)
  maxTokens?: number;

  @Optional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number;

  /** Evaluators per answer (improve, cascade, compare). Default 2. */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(5)
  evaluators?: number;

  /** Proposers (ensemble) or compared models (compare). Default 3. */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(8)
  proposers?: number;

  /** ensemble: proposer layers before the aggregator. Default 1. */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(3)
  layers?: number;

  /** compare: have each answer evaluated. Default false. */
  @Optional()
  @IsBoolean()
  evaluate?: boolean;
}

export class OrchestrateQueryDto {
  /** Answer when the run ends (at most ORCHESTRATE_WAIT_MS), with the whole run. */
  @Optional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'wait must be true or false' })
  wait?: boolean;
}
