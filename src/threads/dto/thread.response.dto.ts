import { ApiProperty } from '@nestjs/swagger';
import { DOMAINS, type Domain } from '../../common/domains.js';
import { PageOf } from '../../common/pagination.js';
import type { ThreadRecord } from '../threads.repository.js';

export class ThreadResponseDto {
  id: string;
  sessionId: string;
  title: string;
  @ApiProperty({ enum: DOMAINS, nullable: true })
  domain: Domain | null;
  messageCount: number;
  @ApiProperty({ type: String, nullable: true })
  lastMessageAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export const ThreadPageDto = PageOf(ThreadResponseDto, 'ThreadPageDto');

export function toThreadResponse(doc: ThreadRecord): ThreadResponseDto {
  return {
    id: doc._id.toHexString(),
    sessionId: doc.sessionId.toHexString(),
    title: doc.title,
    domain: doc.domain ?? null,
    messageCount: doc.messageCount,
    lastMessageAt: doc.lastMessageAt ? doc.lastMessageAt.toISOString() : null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
