import { BadRequestException, Injectable, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { Types } from 'mongoose';
import type { Principal } from '../auth/principal.js';
import { IdSource, isDuplicateKey } from '../common/id-source.js';
import { Page, toPage } from '../common/pagination.js';
import { AppConfig } from '../config/app-config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { ListMessagesQueryDto } from './dto/list-messages.query.dto.js';
import { MessageResponseDto, toMessageResponse } from './dto/message.response.dto.js';
import { ThreadWrites } from './thread-writes.js';
import { MessagesRepository, type MessageRecord, type NewMessage } from './messages.repository.js';
import { ThreadsRepository, type ThreadTail } from './threads.repository.js';
import { ThreadsService } from './threads.service.js';

/** Tries, a second apart, to write a thread count the database refused (then the next append does). */
const TAIL_RETRIES = 30;
const TAIL_RETRY_MS = 1000;

@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);
  /** Thread counts not written yet because the database refused them after the message was stored. */
  private readonly unsavedTails = new Map<string, ThreadTail>();

  constructor(
    private readonly messages: MessagesRepository,
    private readonly threadsRepository: ThreadsRepository,
    private readonly threads: ThreadsService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
    private readonly writes: ThreadWrites,
  ) {}

  async post(
    principal: Principal,
    threadId: string,
    dto: CreateMessageDto,
    ids = new IdSource(),
  ): Promise<MessageResponseDto> {
    if (dto.content.length > this.config.messageMaxChars) {
      throw new PayloadTooLargeException(
        `content has ${dto.content.length} characters; the limit is ${this.config.messageMaxChars} (MESSAGE_MAX_CHARS)`,
      );
    }
    const thread = await this.threads.require(principal, threadId);
    const session = await this.sessions.requireActive(principal, thread.sessionId.toHexString());
    let parentId: Types.ObjectId | undefined;
    if (dto.parentId !== undefined) {
      if (!(await this.messages.exists(thread.ownerId, thread._id, dto.parentId))) {
        throw new BadRequestException(`parentId ${dto.parentId} is not a message of thread ${threadId}`);
      }
      parentId = new Types.ObjectId(dto.parentId);
    }
    const message = await this.append({
      _id: ids.next(),
      ownerId: thread.ownerId,
      threadId: thread._id,
      sessionId: thread.sessionId,
      role: dto.role,
      content: dto.content,
      parentId,
    });
    await this.sessions.touch(session);
    return toMessageResponse(message);
  }

  /**
   * Adds a message to its thread; without `parentId` it follows the thread's newest message. One
   * thread's appends run one at a time (FerretDB loses concurrent updates of one document, and the
   * default parent must be the message before), so concurrent posts form one branch in arrival
   * order and the count is exact. The message insert is the commit: once it is stored the append
   * succeeds, and a thread count the database then refuses is written again later. A message whose
   * `_id` is already stored in the thread (an idempotent retry) is returned as it is.
   */
  private append(message: Omit<NewMessage, 'parentId'> & { parentId?: Types.ObjectId | null }): Promise<MessageRecord> {
    const key = message.threadId.toHexString();
    return this.writes.run(key, () => this.appendHeld(key, message));
  }

  private async appendHeld(
    key: string,
    message: Omit<NewMessage, 'parentId'> & { parentId?: Types.ObjectId | null },
  ): Promise<MessageRecord> {
    const tail = this.unsavedTails.get(key) ?? (await this.threadsRepository.tail(message.threadId));
    if (tail === null) throw new NotFoundException(`thread ${key} not found`);
    const parentId =
      message.parentId !== undefined
        ? message.parentId
        : (tail.lastMessageId ??
          // Threads written before lastMessageId was kept: their newest message.
          (tail.messageCount > 0
            ? ((await this.messages.latest(message.ownerId, message.threadId))?._id ?? null)
            : null));
    let stored: MessageRecord;
    try {
      stored = await this.messages.insert({ ...message, parentId });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const found = await this.messages.findById(message._id);
      if (found === null || found.ownerId !== message.ownerId || !found.threadId.equals(message.threadId)) throw error;
      return found;
    }
    const next = { messageCount: tail.messageCount + 1, lastMessageId: stored._id, lastMessageAt: stored.createdAt };
    this.unsavedTails.set(key, next);
    await this.saveTail(message.threadId, next, 0);
    return stored;
  }

  /** Writes a thread's count and newest message; on failure keeps them and tries again, in the thread's queue. */
  private async saveTail(threadId: Types.ObjectId, tail: ThreadTail, attempt: number): Promise<void> {
    const key = threadId.toHexString();
    if (this.unsavedTails.get(key) !== tail) return; // a later append carries it
    try {
      await this.threadsRepository.saveTail(threadId, tail);
      this.unsavedTails.delete(key);
    } catch (error) {
      this.logger.warn(
        `Writing the message count of thread ${key} failed (${error instanceof Error ? error.message : String(error)}); it is kept and written again`,
      );
      if (attempt >= TAIL_RETRIES) return; // the next append to the thread writes it
      setTimeout(
        () => void this.writes.run(key, () => this.saveTail(threadId, tail, attempt + 1)),
        TAIL_RETRY_MS,
      ).unref();
    }
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

  /**
   * The conversation that leads to `leafId` (it included), oldest first: the context given to
   * models. Walked up from the leaf by `_id` (the one filter the embedded database indexes), so a
   * run's start costs as much as its conversation is long, whatever else is stored.
   */
  async conversation(ownerId: string, threadId: Types.ObjectId, leafId: string): Promise<MessageRecord[]> {
    const path: MessageRecord[] = [];
    const seen = new Set<string>();
    for (let id: Types.ObjectId | null = new Types.ObjectId(leafId); id !== null && !seen.has(id.toHexString());) {
      seen.add(id.toHexString());
      const message = await this.messages.findById(id);
      if (message === null || message.ownerId !== ownerId || !message.threadId.equals(threadId)) break;
      path.push(message);
      id = message.parentId ?? null;
    }
    return path.reverse();
  }

  /** Stores a run's answer under the prompt it answers, with its provenance. */
  recordAnswer(message: Omit<NewMessage, 'role' | '_id'> & { _id?: Types.ObjectId }): Promise<MessageRecord> {
    return this.append({ ...message, _id: message._id ?? new Types.ObjectId(), role: 'assistant' });
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
