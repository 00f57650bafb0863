import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { Model, Types } from 'mongoose';
import { pageQuery } from '../common/pagination.js';
import { Message } from './message.schema.js';

export type MessageRecord = Message;
export type NewMessage = Pick<Message, '_id' | 'ownerId' | 'threadId' | 'sessionId' | 'role' | 'content' | 'parentId'> &
  Partial<Pick<Message, 'model' | 'runId' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'score'>>;

/** Messages are reached through their thread, whose ownership the service has checked. */
@Injectable()
export class MessagesRepository {
  constructor(@InjectModel(Message.name) private readonly messages: Model<Message>) {}

  async insert(message: NewMessage): Promise<MessageRecord> {
    const created = await this.messages.create(message);
    return created.toObject();
  }

  findById(id: Types.ObjectId): Promise<MessageRecord | null> {
    return this.messages.findById(id).lean<MessageRecord>().exec();
  }

  list(ownerId: string, threadId: Types.ObjectId, limit: number, cursor?: string): Promise<MessageRecord[]> {
    const page = pageQuery(cursor, 'oldest');
    return this.messages
      .find({ ownerId, threadId, ...page.filter })
      .sort(page.sort)
      .limit(limit + 1)
      .lean<MessageRecord[]>()
      .exec();
  }

  latest(ownerId: string, threadId: Types.ObjectId): Promise<Pick<MessageRecord, '_id'> | null> {
    return this.messages
      .findOne({ ownerId, threadId }, { _id: 1 })
      .sort({ _id: -1 })
      .lean<Pick<MessageRecord, '_id'>>()
      .exec();
  }

  /** Whether `id` is a message of the thread (read by `_id` alone, the indexed filter; the rest checked here). */
  async exists(ownerId: string, threadId: Types.ObjectId, id: string): Promise<boolean> {
    const found = await this.messages
      .findById(new Types.ObjectId(id), { ownerId: 1, threadId: 1 })
      .lean<Message>()
      .exec();
    return found !== null && found.ownerId === ownerId && found.threadId.equals(threadId);
  }

  /** The id and parent of every message of a thread, to walk a branch. */
  links(ownerId: string, threadId: Types.ObjectId): Promise<Pick<MessageRecord, '_id' | 'parentId'>[]> {
    return this.messages
      .find({ ownerId, threadId }, { _id: 1, parentId: 1 })
      .lean<Pick<MessageRecord, '_id' | 'parentId'>[]>()
      .exec();
  }

  findMany(ownerId: string, ids: Types.ObjectId[]): Promise<MessageRecord[]> {
    return this.messages
      .find({ ownerId, _id: mongoose.trusted({ $in: ids }) })
      .lean<MessageRecord[]>()
      .exec();
  }

  async deleteThread(ownerId: string, threadId: Types.ObjectId): Promise<number> {
    const result = await this.messages.deleteMany({ ownerId, threadId }).exec();
    return result.deletedCount;
  }
}
