import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { Optional } from '../../common/optional.js';
import { STRATEGIES, type Strategy } from '../session.schema.js';

/** Orchestration settings of a session; each one omitted keeps its default (or current) value. */
export class SessionSettingsDto {
  /** Most refinement iterations per run (1-10, default 3). */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxIterations?: number;

  /** Mean evaluation score (0-10) at which refinement stops (default 8). */
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(10)
  qualityThreshold?: number;

  /** Most a run may spend, in US dollars; null for no limit (default). */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100_000)
  @ApiProperty({ type: Number, nullable: true, required: false })
  costLimitUsd?: number | null;

  /** Model ids to favour when selecting. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(200, { each: true })
  preferredModels?: string[];

  /** Model ids never to use. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(200, { each: true })
  excludedModels?: string[];

  /** Strategy used when a run names none (default `improve`). */
  @Optional()
  @IsIn(STRATEGIES)
  @ApiProperty({ enum: STRATEGIES, required: false })
  defaultStrategy?: Strategy;
}
