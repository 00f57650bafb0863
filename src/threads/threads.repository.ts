import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { insertOrFind } from '../common/id-source.js';
import { findOwned } from '../common/owned.js';
import { pageQuery } from '../common/pagination.js';
import type { OwnerScope } from '../common/owned.js';
import { Thread } from './thread.schema.js';

export type ThreadRecord = Thread;
export type ThreadTail = Pick<Thread, 'messageCount' | 'lastMessageId' | 'lastMessageAt'>;

@Injectable()
export class ThreadsRepository {
  constructor(@InjectModel(Thread.name) private readonly threads: Model<Thread>) {}

  /** Inserts a thread; one with the same `_id` (an idempotent retry) is found instead. */
  async insert(thread: Pick<Thread, '_id' | 'ownerId' | 'sessionId' | 'title' | 'domain'>): Promise<ThreadRecord> {
    return (await insertOrFind(this.threads, { ...thread, messageCount: 0, lastMessageAt: null, lastMessageId: null }))
      .doc;
  }

  /** By `_id` alone (indexed on the embedded database), ownership checked on the document read. */
  findById(scope: OwnerScope, id: string): Promise<ThreadRecord | null> {
    return findOwned(this.threads, scope, new Types.ObjectId(id));
  }

  list(scope: OwnerScope, sessionId: string | undefined, limit: number, cursor?: string): Promise<ThreadRecord[]> {
    const page = pageQuery(cursor, 'newest');
    const where: Record<string, unknown> = { ...scope, ...page.filter };
    if (sessionId !== undefined) where.sessionId = new Types.ObjectId(sessionId);
    return this.threads
      .find(where)
      .sort(page.sort)
      .limit(limit + 1)
      .lean<ThreadRecord[]>()
      .exec();
  }

  update(
    scope: OwnerScope,
    id: string,
    changes: Partial<Pick<Thread, 'title' | 'domain'>>,
  ): Promise<ThreadRecord | null> {
    const set: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(changes)) if (value !== undefined) set[name] = value;
    return this.threads
      .findOneAndUpdate({ ...scope, _id: new Types.ObjectId(id) }, { $set: set }, { returnDocument: 'after' })
      .lean<ThreadRecord>()
      .exec();
  }

  async delete(scope: OwnerScope, id: string): Promise<boolean> {
    const result = await this.threads.deleteOne({ ...scope, _id: new Types.ObjectId(id) }).exec();
    return result.deletedCount === 1;
  }

  /** The thread's message count and newest message, read by `_id` alone; null when it is gone. */
  tail(id: Types.ObjectId): Promise<ThreadTail | null> {
    return this.threads.findById(id, { messageCount: 1, lastMessageId: 1, lastMessageAt: 1 }).lean<ThreadTail>().exec();
  }

  /** Sets the count and newest message (absolute values: writing one again is harmless). */
  async saveTail(id: Types.ObjectId, tail: ThreadTail): Promise<void> {
    await this.threads
      .updateOne(
        { _id: id },
        {
          $set: {
            messageCount: tail.messageCount,
            lastMessageId: tail.lastMessageId,
            lastMessageAt: tail.lastMessageAt,
          },
        },
      )
      .exec();
  }
}
