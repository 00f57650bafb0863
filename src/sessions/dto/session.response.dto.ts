import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../../common/pagination.js';
import { SESSION_STATUSES, type SessionStatus } from '../session.schema.js';
import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import type { SessionRecord } from '../sessions.repository.js';

export class SessionSettingsResponseDto {
  maxIterations: number;
  qualityThreshold: number;
  @ApiProperty({ type: Number, nullable: true })
  costLimitUsd: number | null;
  preferredModels: string[];
  excludedModels: string[];
  @ApiProperty({ enum: STRATEGIES })
  defaultStrategy: Strategy;
}

export class SessionResponseDto {
  id: string;
  title: string;
  @ApiProperty({ type: String, nullable: true })
  userId: string | null;
  @ApiProperty({ enum: SESSION_STATUSES })
  status: SessionStatus;
  settings: SessionSettingsResponseDto;
  totalCostUsd: number;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
  @ApiProperty({ type: String, nullable: true })
  endedAt: string | null;
}

export const SessionPageDto = PageOf(SessionResponseDto, 'SessionPageDto');

export function toSessionResponse(doc: SessionRecord): SessionResponseDto {
  return {
    id: doc._id.toHexString(),
    title: doc.title,
    userId: doc.userId ?? null,
    status: doc.status,
    settings: {
      maxIterations: doc.settings.maxIterations,
      qualityThreshold: doc.settings.qualityThreshold,
      costLimitUsd: doc.settings.costLimitUsd ?? null,
      preferredModels: doc.settings.preferredModels ?? [],
      excludedModels: doc.settings.excludedModels ?? [],
      defaultStrategy: doc.settings.defaultStrategy,
    },
    totalCostUsd: doc.totalCostUsd,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    lastActivityAt: doc.lastActivityAt.toISOString(),
    endedAt: doc.endedAt ? doc.endedAt.toISOString() : null,
  };
}
