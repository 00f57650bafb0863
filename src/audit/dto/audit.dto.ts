import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { MomentRangeQueryDto } from '../../common/dto/moment-range-query.dto.js';
import { Optional } from '../../common/optional.js';
import { AUDIT_ACTIONS, AUDIT_TARGETS, type AuditAction, type AuditTarget } from '../audit-entry.schema.js';

export class ListAuditQueryDto extends MomentRangeQueryDto {
  @Optional()
  @ApiProperty({ enum: AUDIT_ACTIONS, required: false })
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @Optional()
  @ApiProperty({ enum: AUDIT_TARGETS, required: false })
  @IsIn(AUDIT_TARGETS)
  targetType?: AuditTarget;

  /** A key's id or a model's id (`openai/gpt-5.4-mini`). */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  targetId?: string;

  /** The admin key that acted. */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  actorKeyId?: string;
}

export class AuditEntryDto {
  id: string;
  at: string;
  actorKeyId: string;
  @ApiProperty({ enum: AUDIT_ACTIONS })
  action: AuditAction;
  @ApiProperty({ enum: AUDIT_TARGETS })
  targetType: AuditTarget;
  targetId: string;
  /** The object before the action (null: it did not exist), without secrets. */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  before: Record<string, unknown> | null;
  /** The object after the action, without secrets. */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  after: Record<string, unknown> | null;
}
