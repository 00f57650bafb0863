import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { Model, Types } from 'mongoose';
import { insertOrFind } from '../common/id-source.js';
import { findOwned, type OwnerScope } from '../common/owned.js';
import { pageQuery } from '../common/pagination.js';
import { Session, SessionCost, SessionSettings, SessionStatus } from './session.schema.js';

export type SessionRecord = Session;

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
  constructor(
    @InjectModel(Session.name) private readonly sessions: Model<Session>,
    @InjectModel(SessionCost.name) private readonly costs: Model<SessionCost>,
  ) {}

  /** The sessions with their totals: their own field (older data) plus what each run cost. */
  private async withCosts(docs: SessionRecord[]): Promise<SessionRecord[]> {
    if (docs.length === 0) return docs;
    const ids = docs.map((d) => d._id.toHexString());
    const shards = await this.costs
      .find(ids.length === 1 ? { sessionId: ids[0] } : { sessionId: mongoose.trusted({ $in: ids }) })
      .lean<SessionCost[]>()
      .exec();
    const added = new Map<string, number>();
    for (const s of shards) added.set(s.sessionId, (added.get(s.sessionId) ?? 0) + s.costUsd);
    return docs.map((d) => ({ ...d, totalCostUsd: d.totalCostUsd + (added.get(d._id.toHexString()) ?? 0) }));
  }

  private async withCost(doc: SessionRecord | null): Promise<SessionRecord | null> {
    return doc === null ? null : (await this.withCosts([doc]))[0];
  }

  /** Inserts a session; one with the same `_id` (an idempotent retry) is found instead. */
  async insert(session: Pick<Session, '_id' | 'ownerId' | 'title' | 'userId' | 'settings'>): Promise<SessionRecord> {
    const now = new Date();
    return (await insertOrFind(this.sessions, { ...session, status: 'active', totalCostUsd: 0, lastActivityAt: now }))
      .doc;
  }

  /** By `_id` alone (indexed on the embedded database), ownership checked on the document read. */
  async findById(scope: OwnerScope, id: string): Promise<SessionRecord | null> {
    return this.withCost(await findOwned(this.sessions, scope, new Types.ObjectId(id)));
  }

  /**
   * The session document by `_id` alone, its `totalCostUsd` without the runs' costs (summing them
   * reads session_costs, which the embedded database scans whole): for checks that need no total.
   */
  findDocument(scope: OwnerScope, id: string): Promise<SessionRecord | null> {
    return findOwned(this.sessions, scope, new Types.ObjectId(id));
  }

  async list(scope: OwnerScope, filter: SessionFilter, limit: number, cursor?: string): Promise<SessionRecord[]> {
    const page = pageQuery(cursor, 'newest');
    const where: Record<string, unknown> = { ...scope, ...page.filter };
    if (filter.status !== undefined) where.status = filter.status;
    if (filter.userId !== undefined) where.userId = filter.userId;
    return this.withCosts(
      await this.sessions
        .find(where)
        .sort(page.sort)
        .limit(limit + 1)
        .lean<SessionRecord[]>()
        .exec(),
    );
  }

  async update(scope: OwnerScope, id: string, changes: SessionChanges): Promise<SessionRecord | null> {
    const set: Record<string, unknown> = {};
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.userId !== undefined) set.userId = changes.userId;
    for (const [name, value] of Object.entries(changes.settings ?? {})) {
      if (value !== undefined) set[`settings.${name}`] = value;
    }
    return this.withCost(
      await this.sessions
        .findOneAndUpdate(
          { ...scope, _id: new Types.ObjectId(id) },
          { $set: set },
          { returnDocument: 'after', runValidators: true },
        )
        .lean<SessionRecord>()
        .exec(),
    );
  }

  /** Ends an active session; null when it is missing or no longer active. */
  async end(scope: OwnerScope, id: string, status: Exclude<SessionStatus, 'active'>): Promise<SessionRecord | null> {
    const now = new Date();
    return this.withCost(
      await this.sessions
        .findOneAndUpdate(
          { ...scope, _id: new Types.ObjectId(id), status: 'active' },
          { $set: { status, endedAt: now, lastActivityAt: now } },
          { returnDocument: 'after' },
        )
        .lean<SessionRecord>()
        .exec(),
    );
  }

  async touch(id: Types.ObjectId, at: Date = new Date()): Promise<void> {
    await this.sessions.updateOne({ _id: id }, { $set: { lastActivityAt: at } }).exec();
  }

  /**
   * Sets what one run cost its session (written once, by the process that ends the run). Set, not
   * added: a worker that takes over a run whose predecessor died after writing it writes the same.
   */
  async setRunCost(id: Types.ObjectId, runId: Types.ObjectId, usd: number): Promise<void> {
    const sessionId = id.toHexString();
    await this.costs
      .updateOne(
        { _id: `${sessionId}|${runId.toHexString()}` },
        { $set: { sessionId, costUsd: usd } },
        { upsert: true },
      )
      .exec();
  }
}
