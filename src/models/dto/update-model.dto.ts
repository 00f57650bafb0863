import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { Optional } from '../../common/optional.js';
import { RequireSome } from '../../common/require-some.js';
import { MODEL_ROLES, type ModelRole } from '../../config/catalogue-entry.js';
import { PricingInputDto } from '../../config/pricing-input.dto.js';

/** Strengths to change, 0 to 1; domains left out keep theirs. */
export class SpecialtiesPatchDto {
  @Optional() @IsNumber() @Min(0) @Max(1) coding?: number;
  @Optional() @IsNumber() @Min(0) @Max(1) math?: number;
  @Optional() @IsNumber() @Min(0) @Max(1) creative?: number;
  @Optional() @IsNumber() @Min(0) @Max(1) analysis?: number;
  @Optional() @IsNumber() @Min(0) @Max(1) reasoning?: number;
  @Optional() @IsNumber() @Min(0) @Max(1) translation?: number;
  @Optional() @IsNumber() @Min(0) @Max(1) factual?: number;
  @Optional() @IsNumber() @Min(0) @Max(1) general?: number;
}

/**
 * Admin changes to one model. Each field left out stays as it is; a field set to `null` goes back
 * to the catalogue's value. Changes survive restarts and catalogue updates.
 */
@RequireSome('enabled', 'priority', 'specialties', 'qualityPrior', 'roles', 'pricing')
export class UpdateModelDto {
  @ApiProperty({ type: Boolean, nullable: true, required: false })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean | null;

  /** Higher goes first among otherwise equal candidates (default 0). */
  @ApiProperty({ type: Number, nullable: true, required: false, minimum: -100, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(-100)
  @Max(100)
  priority?: number | null;

  /** Merged into the current strengths. */
  @ApiProperty({ type: SpecialtiesPatchDto, nullable: true, required: false })
  @IsOptional()
  @ValidateNested()
  @Type(() => SpecialtiesPatchDto)
  specialties?: SpecialtiesPatchDto | null;

  @ApiProperty({ type: Number, nullable: true, required: false, minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  qualityPrior?: number | null;

  @ApiProperty({ enum: MODEL_ROLES, isArray: true, nullable: true, required: false })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(MODEL_ROLES, { each: true })
  roles?: ModelRole[] | null;

  @ApiProperty({ type: PricingInputDto, nullable: true, required: false })
  @IsOptional()
  @ValidateNested()
  @Type(() => PricingInputDto)
  pricing?: PricingInputDto | null;
}
