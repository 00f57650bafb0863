import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MinLength } from 'class-validator';
import { DOMAINS, type Domain } from '../../common/domains.js';
import { CAPABILITIES, MODEL_ROLES, type Capability, type ModelRole } from '../catalogue-entry.js';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListModelsQueryDto {
  /** Only this provider's models (`openai`, `anthropic`, `xai`, `alibaba`, `meta`, `mistral`…). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  provider?: string;

  /** Sort by strength in this domain, strongest first (ties: quality prior, then priority). */
  @IsOptional()
  @ApiProperty({ enum: DOMAINS, required: false })
  @IsIn(DOMAINS)
  domain?: Domain;

  @IsOptional()
  @ApiProperty({ enum: CAPABILITIES, required: false })
  @IsIn(CAPABILITIES)
  capability?: Capability;

  /** Only models suited to this role. */
  @IsOptional()
  @ApiProperty({ enum: MODEL_ROLES, required: false })
  @IsIn(MODEL_ROLES)
  role?: ModelRole;

  /** `true`: only models that can be called now; `false`: only those that cannot. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'available must be true or false' })
  available?: boolean;
}
