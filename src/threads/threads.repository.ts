import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { pageQuery } from '../common/pagination.js';
import type { OwnerScope } from '../sessions/sessions.repository.js';
import { Thread } from './thread.schema.js';

export type ThreadRecord = Thread;

@Injectable()
export class ThreadsRepository {
  constructor(@InjectModel(Thread.name) private readonly threads: Model<Thread>) {}

  async insert(thread: Pick<Thread, 'ownerId' | 'sessionId' | 'title' | 'domain'>): Promise<ThreadRecord> {
    const created = await this.threads.create({ ...thread, messageCount: 0, lastMessageAt: null });
    return created.toObject();
  }

  findById(scope: OwnerScope, id: string): Promise<ThreadRecord | null> {
    return this.threads
      .findOne({ ...scope, _id: new Types.ObjectId(id) })
      .lean<ThreadRecord>()
      .exec();
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

  async recordMessage(id: Types.ObjectId, at: Date): Promise<void> {
    await this.threads.updateOne({ _id: id }, { $inc: { messageCount: 1 }, $set: { lastMessageAt: at } }).exec();
  }
}
