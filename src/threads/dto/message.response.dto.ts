import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../../common/pagination.js';
import { MESSAGE_ROLES, type MessageRole } from '../message.schema.js';
import type { MessageRecord } from '../messages.repository.js';

export class MessageResponseDto {
  id: string;
  threadId: string;
  sessionId: string;
  @ApiProperty({ enum: MESSAGE_ROLES })
  role: MessageRole;
  content: string;
  @ApiProperty({ type: String, nullable: true })
  parentId: string | null;
  /** The model that wrote it (assistant messages from a run). */
  @ApiProperty({ type: String, nullable: true })
  model: string | null;
  /** The orchestration run that wrote it. */
  @ApiProperty({ type: String, nullable: true })
  runId: string | null;
  @ApiProperty({ type: Number, nullable: true })
  inputTokens: number | null;
  @ApiProperty({ type: Number, nullable: true })
  outputTokens: number | null;
  @ApiProperty({ type: Number, nullable: true })
  costUsd: number | null;
  @ApiProperty({ type: Number, nullable: true })
  score: number | null;
  createdAt: string;
}

export const MessagePageDto = PageOf(MessageResponseDto, 'MessagePageDto');

export function toMessageResponse(doc: MessageRecord): MessageResponseDto {
  return {
    id: doc._id.toHexString(),
    threadId: doc.threadId.toHexString(),
    sessionId: doc.sessionId.toHexString(),
    role: doc.role,
    content: doc.content,
    parentId: doc.parentId ? doc.parentId.toHexString() : null,
    model: doc.model ?? null,
    runId: doc.runId ? doc.runId.toHexString() : null,
    inputTokens: doc.inputTokens ?? null,
    outputTokens: doc.outputTokens ?? null,
    costUsd: doc.costUsd ?? null,
    score: doc.score ?? null,
    createdAt: doc.createdAt.toISOString(),
  };
}
