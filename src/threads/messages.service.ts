import { BadRequestException, Injectable, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { Types } from 'mongoose';
import type { Principal } from '../auth/principal.js';
import { Page, toPage } from '../common/pagination.js';
import { AppConfig } from '../config/app-config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { ListMessagesQueryDto } from './dto/list-messages.query.dto.js';
import { MessageResponseDto, toMessageResponse } from './dto/message.response.dto.js';
import { MessagesRepository, type MessageRecord, type NewMessage } from './messages.repository.js';
import { ThreadsRepository } from './threads.repository.js';
import { ThreadsService } from './threads.service.js';

@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly threadsRepository: ThreadsRepository,
    private readonly threads: ThreadsService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  async post(principal: Principal, threadId: string, dto: CreateMessageDto): Promise<MessageResponseDto> {
    if (dto.content.length > this.config.messageMaxChars) {
      throw new PayloadTooLargeException(
        `content has ${dto.content.length} characters; the limit is ${this.config.messageMaxChars} (MESSAGE_MAX_CHARS)`,
      );
    }
    const thread = await this.threads.require(principal, threadId);
    const session = await this.sessions.requireActive(principal, thread.sessionId.toHexString());

    let parentId: Types.ObjectId | null;
    if (dto.parentId !== undefined) {
      if (!(await this.messages.exists(thread.ownerId, thread._id, dto.parentId))) {
        throw new BadRequestException(`parentId ${dto.parentId} is not a message of thread ${threadId}`);
      }
      parentId = new Types.ObjectId(dto.parentId);
    } else {
      parentId = (await this.messages.latest(thread.ownerId, thread._id))?._id ?? null;
    }

    const message = await this.messages.insert({
      ownerId: thread.ownerId,
      threadId: thread._id,
      sessionId: thread.sessionId,
      role: dto.role,
      content: dto.content,
      parentId,
    });
    await this.threadsRepository.recordMessage(thread._id, message.createdAt);
    await this.sessions.touch(session);
    return toMessageResponse(message);
  }

  async list(principal: Principal, threadId: string, query: ListMessagesQueryDto): Promise<Page<MessageResponseDto>> {
    const thread = await this.threads.require(principal, threadId);
    if (query.branch !== undefined) return this.branch(thread.ownerId, thread._id, query);
    const docs = await this.messages.list(thread.ownerId, thread._id, query.limit, query.cursor);
    return toPage(docs, query.limit, toMessageResponse);
  }

  /** The ids from the thread's first message down to `leaf`, oldest first; null when `leaf` is not in it. */
  private async pathTo(ownerId: string, threadId: Types.ObjectId, leaf: string): Promise<string[] | null> {
    const parents = new Map<string, string | null>();
    for (const link of await this.messages.links(ownerId, threadId)) {
      parents.set(link._id.toHexString(), link.parentId ? link.parentId.toHexString() : null);
    }
    if (!parents.has(leaf)) return null;
    const path: string[] = [];
    for (let id: string | null = leaf; id !== null && path.length <= parents.size; id = parents.get(id) ?? null) {
      path.push(id);
    }
    return path.reverse();
  }

  /** The conversation that leads to `leafId` (it included), oldest first: the context given to models. */
  async conversation(ownerId: string, threadId: Types.ObjectId, leafId: string): Promise<MessageRecord[]> {
    const path = (await this.pathTo(ownerId, threadId, leafId)) ?? [];
    const byId = new Map(
      (
        await this.messages.findMany(
          ownerId,
          path.map((id) => new Types.ObjectId(id)),
        )
      ).map((m) => [m._id.toHexString(), m]),
    );
    return path.map((id) => byId.get(id)).filter((m) => m !== undefined);
  }

  /** Stores a run's answer under the prompt it answers, with its provenance. */
  async recordAnswer(message: Omit<NewMessage, 'role'>): Promise<MessageRecord> {
    const stored = await this.messages.insert({ ...message, role: 'assistant' });
    await this.threadsRepository.recordMessage(message.threadId, stored.createdAt);
    return stored;
  }

  /** The path from the root down to `query.branch`, oldest first, paged like the full list. */
  private async branch(
    ownerId: string,
    threadId: Types.ObjectId,
    query: ListMessagesQueryDto,
  ): Promise<Page<MessageResponseDto>> {
    const leaf = query.branch as string;
    const path = await this.pathTo(ownerId, threadId, leaf);
    if (path === null) throw new NotFoundException(`message ${leaf} not found in thread ${threadId.toHexString()}`);

    let start = 0;
    if (query.cursor !== undefined) {
      const at = path.indexOf(query.cursor);
      if (at < 0)
        throw new BadRequestException('cursor must be the nextCursor value of a previous page of this branch');
      start = at + 1;
    }
    const ids = path.slice(start, start + query.limit + 1);
    const byId = new Map(
      (
        await this.messages.findMany(
          ownerId,
          ids.map((id) => new Types.ObjectId(id)),
        )
      ).map((m) => [m._id.toHexString(), m]),
    );
    const docs = ids.map((id) => byId.get(id)).filter((m) => m !== undefined);
    return toPage(docs, query.limit, toMessageResponse);
  }
}
