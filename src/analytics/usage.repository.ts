import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { Model, Types } from 'mongoose';
import { pageQuery } from '../common/pagination.js';
import { isDuplicateKey } from '../common/id-source.js';
import type { Increment, Rollup, RollupDoc, RollupFilter } from './rollup.types.js';
import { wholeRecord, type StoredUsageRecord } from './usage-document.js';
import {
  KeyRollup,
  ModelRollup,
  RunRollup,
  SessionRollup,
  ToolRollup,
  UsageRecord,
  UsageRollup,
} from './usage.schema.js';

/** What the request log may be narrowed to. */
export interface RecordFilter {
  ownerId?: string;
  keyId?: string;
  modelId?: string;
  provider?: string;
  status?: string;
  errorClass?: string;
  runId?: string;
  from?: Date;
  to?: Date;
}

/**
 * The only place that touches the usage records and the six rollup collections: the recorder
 * writes them, the rollup store loads them, analytics reads them when the store is off.
 */
@Injectable()
export class UsageRepository {
  private readonly rollups: Record<Rollup, Model<{ _id: string }>>;

  constructor(
    @InjectModel(UsageRecord.name) private readonly records: Model<UsageRecord>,
    @InjectModel(UsageRollup.name) usageRollups: Model<UsageRollup>,
    @InjectModel(ModelRollup.name) modelRollups: Model<ModelRollup>,
    @InjectModel(SessionRollup.name) sessionRollups: Model<SessionRollup>,
    @InjectModel(RunRollup.name) runRollups: Model<RunRollup>,
    @InjectModel(KeyRollup.name) keyRollups: Model<KeyRollup>,
    @InjectModel(ToolRollup.name) toolRollups: Model<ToolRollup>,
  ) {
    this.rollups = {
      usage: usageRollups,
      model: modelRollups,
      session: sessionRollups,
      run: runRollups,
      key: keyRollups,
      tool: toolRollups,
    } as unknown as Record<Rollup, Model<{ _id: string }>>;
  }

  /**
   * Writes raw records (built field by field by usageDocument, defaults left out: no need for
   * Mongoose to hydrate, validate or fill each). Records stored already (a retry, a takeover) are
   * left as they are.
   * @returns false when every record was stored already.
   */
  async insertRecords(records: StoredUsageRecord[]): Promise<boolean> {
    try {
      await this.records.insertMany(records, { ordered: false, lean: true });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return false;
    }
  }

  /** Adds an increment to its rollup document, created on its first increment. */
  async increment({ rollup, id, inc, set }: Increment): Promise<void> {
    await this.rollups[rollup].updateOne({ _id: id }, { $inc: inc, $setOnInsert: set }, { upsert: true });
  }

  /** Every document of a rollup (the in-memory copy's load). */
  allRollups(rollup: Rollup): Promise<RollupDoc[]> {
    return this.rollups[rollup].find({}).lean<RollupDoc[]>().exec();
  }

  /** The documents of a rollup that `filter` selects, with only the `fields` asked for. */
  findRollups(rollup: Rollup, filter: RollupFilter, fields: string[]): Promise<Record<string, unknown>[]> {
    const match: Record<string, unknown> = {};
    if (filter.ownerId !== undefined) match.ownerId = filter.ownerId;
    if (filter.from !== undefined || filter.to !== undefined) {
      match.day = mongoose.trusted({
        ...(filter.from && { $gte: filter.from }),
        ...(filter.to && { $lte: filter.to }),
      });
    }
    if (filter.domain !== undefined) match.domain = filter.domain;
    if (filter.sessionId !== undefined) match.sessionId = filter.sessionId;
    if (filter.keyId !== undefined) match.keyId = filter.keyId;
    const projection = Object.fromEntries(fields.map((f) => [f, 1]));
    return this.rollups[rollup].find(match, projection).lean<Record<string, unknown>[]>().exec();
  }

  /** The raw records `filter` selects, newest first, `limit + 1` of them after `cursor`. */
  async findRecords(filter: RecordFilter, limit: number, cursor?: string): Promise<UsageRecord[]> {
    const page = pageQuery(cursor, 'newest');
    const where: Record<string, unknown> = { ...page.filter };
    for (const field of ['ownerId', 'keyId', 'modelId', 'provider', 'status', 'errorClass'] as const) {
      if (filter[field] !== undefined) where[field] = filter[field];
    }
    if (filter.runId !== undefined) where.runId = new Types.ObjectId(filter.runId);
    if (filter.from !== undefined || filter.to !== undefined) {
      where.at = mongoose.trusted({ ...(filter.from && { $gte: filter.from }), ...(filter.to && { $lte: filter.to }) });
    }
    const stored = await this.records
      .find(where)
      .sort(page.sort)
      .limit(limit + 1)
      .lean<StoredUsageRecord[]>()
      .exec();
    return stored.map(wholeRecord);
  }

  /** One raw record (by `_id` alone: the embedded database's index). */
  async findRecord(id: string): Promise<UsageRecord | null> {
    const stored = await this.records.findById(new Types.ObjectId(id)).lean<StoredUsageRecord>().exec();
    return stored === null ? null : wholeRecord(stored);
  }

  /** The rollup documents of days before `cutoff` go, in the rollups named. */
  async removeRollupsBefore(rollups: readonly Rollup[], cutoff: Date): Promise<number> {
    let removed = 0;
    for (const rollup of rollups) {
      removed += (await this.rollups[rollup].deleteMany({ day: mongoose.trusted({ $lt: cutoff }) }).exec())
        .deletedCount;
    }
    return removed;
  }

  /** Raw records older than `cutoff` go; rollups stay. */
  async removeRecordsBefore(cutoff: Date): Promise<number> {
    const result = await this.records.deleteMany({ at: mongoose.trusted({ $lt: cutoff }) }).exec();
    return result.deletedCount;
  }
}
