import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { insertOrFind } from '../common/id-source.js';
import { KeyedQueue } from '../common/keyed-queue.js';
import { findOwned } from '../common/owned.js';
import { pageQuery } from '../common/pagination.js';
import { Session, SessionSettings, SessionStatus } from './session.schema.js';

export type SessionRecord = Session;
export type OwnerScope = { ownerId?: string };

export interface SessionFilter {
  status?: SessionStatus;
  userId?: string;
}

export interface SessionChanges {
  title?: string;
  userId?: string;
  settings?: Partial<SessionSettings>;
}

/** The only code that touches the sessions collection; every filter carries the owner scope. */
@Injectable()
export class SessionsRepository {
  private readonly costWrites = new KeyedQueue();
  constructor(@InjectModel(Session.name) private readonly sessions: Model<Session>) {}

  /** Inserts a session; one with the same `_id` (an idempotent retry) is found instead. */
  async insert(session: Pick<Session, '_id' | 'ownerId' | 'title' | 'userId' | 'settings'>): Promise<SessionRecord> {
    const now = new Date();
    return (await insertOrFind(this.sessions, { ...session, status: 'active', totalCostUsd: 0, lastActivityAt: now }))
      .doc;
  }

  /** By `_id` alone (indexed on the embedded database), ownership checked on the document read. */
  findById(scope: OwnerScope, id: string): Promise<SessionRecord | null> {
    return findOwned(this.sessions, scope, new Types.ObjectId(id));
  }

  list(scope: OwnerScope, filter: SessionFilter, limit: number, cursor?: string): Promise<SessionRecord[]> {
    const page = pageQuery(cursor, 'newest');
    const where: Record<string, unknown> = { ...scope, ...page.filter };
    if (filter.status !== undefined) where.status = filter.status;
    if (filter.userId !== undefined) where.userId = filter.userId;
    return this.sessions
      .find(where)
      .sort(page.sort)
      .limit(limit + 1)
      .lean<SessionRecord[]>()
      .exec();
  }

  update(scope: OwnerScope, id: string, changes: SessionChanges): Promise<SessionRecord | null> {
    const set: Record<string, unknown> = {};
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.userId !== undefined) set.userId = changes.userId;
    for (const [name, value] of Object.entries(changes.settings ?? {})) {
      if (value !== undefined) set[`settings.${name}`] = value;
    }
    return this.sessions
      .findOneAndUpdate(
        { ...scope, _id: new Types.ObjectId(id) },
        { $set: set },
        { returnDocument: 'after', runValidators: true },
      )
      .lean<SessionRecord>()
      .exec();
  }

  /** Ends an active session; null when it is missing or no longer active. */
  end(scope: OwnerScope, id: string, status: Exclude<SessionStatus, 'active'>): Promise<SessionRecord | null> {
    const now = new Date();
    return this.sessions
      .findOneAndUpdate(
        { ...scope, _id: new Types.ObjectId(id), status: 'active' },
        { $set: { status, endedAt: now, lastActivityAt: now } },
        { returnDocument: 'after' },
      )
      .lean<SessionRecord>()
      .exec();
  }

  async touch(id: Types.ObjectId, at: Date = new Date()): Promise<void> {
    await this.sessions.updateOne({ _id: id }, { $set: { lastActivityAt: at } }).exec();
  }

  /** Adds to the session's total; one session's additions are queued (see KeyedQueue). */
  async addCost(id: Types.ObjectId, usd: number, at: Date = new Date()): Promise<void> {
    await this.costWrites.run(id.toHexString(), () =>
      this.sessions.updateOne({ _id: id }, { $inc: { totalCostUsd: usd }, $set: { lastActivityAt: at } }).exec(),
    );
  }
}
