import { applyDecorators } from '@nestjs/common';
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
import { STRATEGIES, type Strategy } from '../../common/strategies.js';

/** An optional list of up to 50 model ids, validated and documented alike wherever it is a setting. */
function ModelIdList(description: string): PropertyDecorator {
  return applyDecorators(
    Optional(),
    IsArray(),
    ArrayMaxSize(50),
    IsString({ each: true }),
    MinLength(1, { each: true }),
    MaxLength(200, { each: true }),
    ApiProperty({
      description,
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 200 },
      maxItems: 50,
      required: false,
    }),
  );
}

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

  @ModelIdList('Model ids to favour when selecting.')
  preferredModels?: string[];

  @ModelIdList('Model ids never to use.')
  excludedModels?: string[];

  /** Strategy used when a run names none (default `improve`). */
  @Optional()
  @IsIn(STRATEGIES)
  @ApiProperty({ enum: STRATEGIES, required: false })
  defaultStrategy?: Strategy;
}
