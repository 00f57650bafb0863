import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsString, MinLength } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { DOMAINS, type Domain } from '../../common/domains.js';
import {
  CAPABILITIES,
  MODEL_KINDS,
  MODEL_ROLES,
  type Capability,
  type ModelKind,
  type ModelRole,
} from '../../config/catalogue-entry.js';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListModelsQueryDto {
  /** Only this provider's models (`openai`, `anthropic`, `xai`, `alibaba`, `meta`, `mistral`…). */
  @Optional()
  @IsString()
  @MinLength(1)
  provider?: string;

  /** Sort by strength in this domain, strongest first (ties: quality prior, then priority). */
  @Optional()
  @ApiProperty({ enum: DOMAINS, required: false })
  @IsIn(DOMAINS)
  domain?: Domain;

  @Optional()
  @ApiProperty({ enum: CAPABILITIES, required: false })
  @IsIn(CAPABILITIES)
  capability?: Capability;

  /** Only chat models, or only embedding models. */
  @Optional()
  @ApiProperty({ enum: MODEL_KINDS, required: false })
  @IsIn(MODEL_KINDS)
  kind?: ModelKind;

  /** Only models suited to this role. */
  @Optional()
  @ApiProperty({ enum: MODEL_ROLES, required: false })
  @IsIn(MODEL_ROLES)
  role?: ModelRole;

  /** `true`: only models that can be called now; `false`: only those that cannot. */
  @Optional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'available must be true or false' })
  available?: boolean;
}
