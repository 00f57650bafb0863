import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../../common/pagination.js';
import { ROLES, type Role } from '../api-key.schema.js';
import type { ApiKeyRecord } from '../api-keys.repository.js';
import { NO_LIMITS } from '../limits/key-limits.js';
import { KeyLimitsResponseDto, KeySpendDto } from './key-limits.dto.js';

export class ApiKeyResponseDto {
  id: string;
  name: string;
  @ApiProperty({ enum: ROLES })
  role: Role;
  ownerId: string;
  /** The first characters of the key, to recognise it; the key itself is never shown again. */
  prefix: string;
  createdAt: string;
  @ApiProperty({ type: String, nullable: true })
  lastUsedAt: string | null;
  @ApiProperty({ type: String, nullable: true })
  revokedAt: string | null;
  limits: KeyLimitsResponseDto;
}

/** One key with what it has spent. */
export class ApiKeyDetailDto extends ApiKeyResponseDto {
  spend: KeySpendDto;
}

/** The key a request is made with (`GET /api/me`). */
export class CurrentKeyDto {
  /** The key's id (`env:ADMIN_API_KEY` for the key set in the environment, which has no record). */
  id: string;
  name: string;
  @ApiProperty({ enum: ROLES })
  role: Role;
  ownerId: string;
  limits: KeyLimitsResponseDto;
  spend: KeySpendDto;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  /** The key. Shown only in this response: store it now. */
  key: string;
}

export const ApiKeyPageDto = PageOf(ApiKeyResponseDto, 'ApiKeyPageDto');

export function toApiKeyResponse(doc: ApiKeyRecord): ApiKeyResponseDto {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    role: doc.role,
    ownerId: doc.ownerId,
    prefix: doc.prefix,
    createdAt: doc.createdAt.toISOString(),
    lastUsedAt: doc.lastUsedAt ? doc.lastUsedAt.toISOString() : null,
    revokedAt: doc.revokedAt ? doc.revokedAt.toISOString() : null,
    limits: { ...NO_LIMITS, ...doc.limits },
  };
}
