import { Injectable, NotFoundException } from '@nestjs/common';
import { ownerScope, type Principal } from '../auth/principal.js';
import { IdSource } from '../common/id-source.js';
import { Page, toPage } from '../common/pagination.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { CreateThreadDto } from './dto/create-thread.dto.js';
import { ListThreadsQueryDto } from './dto/list-threads.query.dto.js';
import { ThreadResponseDto, toThreadResponse } from './dto/thread.response.dto.js';
import { UpdateThreadDto } from './dto/update-thread.dto.js';
import { MessagesRepository } from './messages.repository.js';
import { ThreadRecord, ThreadsRepository } from './threads.repository.js';
import { ThreadWrites } from './thread-writes.js';

@Injectable()
export class ThreadsService {
  constructor(
    private readonly threads: ThreadsRepository,
    private readonly messages: MessagesRepository,
    private readonly sessions: SessionsService,
    private readonly writes: ThreadWrites,
  ) {}

  async create(principal: Principal, dto: CreateThreadDto, ids = new IdSource()): Promise<ThreadResponseDto> {
    const session = await this.sessions.requireActive(principal, dto.sessionId);
    const thread = await this.threads.insert({
      _id: ids.next(),
      ownerId: session.ownerId,
      sessionId: session._id,
      title: dto.title,
      domain: dto.domain ?? null,
    });
    await this.sessions.touch(session);
    return toThreadResponse(thread);
  }

  async list(principal: Principal, query: ListThreadsQueryDto): Promise<Page<ThreadResponseDto>> {
    if (query.sessionId !== undefined) await this.sessions.requireOwned(principal, query.sessionId);
    const docs = await this.threads.list(ownerScope(principal), query.sessionId, query.limit, query.cursor);
    return toPage(docs, query.limit, toThreadResponse);
  }

  async get(principal: Principal, id: string): Promise<ThreadResponseDto> {
    return toThreadResponse(await this.require(principal, id));
  }

  /** The thread, or a 404 that does not tell a foreign thread from a missing one. */
  async require(principal: Principal, id: string): Promise<ThreadRecord> {
    const thread = await this.threads.findById(ownerScope(principal), id);
    if (thread === null) throw new NotFoundException(`thread ${id} not found`);
    return thread;
  }

  async update(principal: Principal, id: string, dto: UpdateThreadDto): Promise<ThreadResponseDto> {
    // In the thread's writer queue: an append's count written meanwhile is not lost.
    const updated = await this.writes.run(id, () =>
      this.threads.update(ownerScope(principal), id, { title: dto.title, domain: dto.domain }),
    );
    if (updated === null) throw new NotFoundException(`thread ${id} not found`);
    return toThreadResponse(updated);
  }

  /** Deletes the thread, then its messages (a crash in between leaves only unreachable messages). */
  async delete(principal: Principal, id: string): Promise<void> {
    const thread = await this.require(principal, id);
    await this.threads.delete(ownerScope(principal), id);
    await this.messages.deleteThread(thread.ownerId, thread._id);
  }
}
