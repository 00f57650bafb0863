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
  IsMongoId,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { SessionSettingsDto } from '../../sessions/dto/session-settings.dto.js';
import { STRATEGIES, type Strategy } from '../../sessions/session.schema.js';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Starts a run. Options left out come from the session's settings, then from the server's defaults. */
export class OrchestrateDto extends PickType(SessionSettingsDto, ['maxIterations', 'qualityThreshold'] as const) {
  @IsMongoId({ message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId: string;

  /** Omitted: a new thread is created in the session. */
  @IsOptional()
  @IsMongoId({ message: 'threadId must be a 24-character hexadecimal id' })
  threadId?: string;

  /** Stored as a user message of the thread; at most MESSAGE_MAX_CHARS characters (413 beyond). */
  @IsString()
  @MinLength(1)
  prompt: string;

  /** Default: the session's `defaultStrategy` (`improve` unless changed). */
  @IsOptional()
  @ApiProperty({ enum: STRATEGIES, required: false })
  @IsIn(STRATEGIES)
  strategy?: Strategy;

  /** Catalogue ids: only these models take part (improve needs two: a writer and an evaluator). */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @ArrayUnique()
  @IsString({ each: true })
  models?: string[];

  /** USD; a call that could pass it is not started, and the run ends `budget_exceeded`. */
  @IsOptional()
  @IsNumber()
  @IsPositive()
  @Max(10_000)
  costLimitUsd?: number;

  /** Output ceiling of each model call. */
  @IsOptional()
  @IsInt()
  @Min(16)
  @Max(200_000)
  maxTokens?: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number;

  /** Evaluators per answer (improve, cascade, compare). Default 2. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  evaluators?: number;

  /** Proposers (ensemble) or compared models (compare). Default 3. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8)
  proposers?: number;

  /** ensemble: proposer layers before the aggregator. Default 1. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3)
  layers?: number;

  /** compare: have each answer evaluated. Default false. */
  @IsOptional()
  @IsBoolean()
  evaluate?: boolean;
}

export class OrchestrateQueryDto {
  /** Answer when the run ends (at most ORCHESTRATE_WAIT_MS), with the whole run. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'wait must be true or false' })
  wait?: boolean;
}
