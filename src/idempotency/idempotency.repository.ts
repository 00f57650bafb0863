import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { Model } from 'mongoose';
import { isDuplicateKey } from '../common/id-source.js';
import { IdempotencyRecord } from './idempotency-record.schema.js';

/**
 * A key's claim and, once its request has answered, its answer, as two documents (`<id>` and
 * `<id>:answer`) that are inserted and read by `_id`, never updated: on the embedded FerretDB an
 * insert or a read by `_id` costs about a millisecond, an update or delete scans the collection.
 */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectModel(IdempotencyRecord.name) private readonly records: Model<IdempotencyRecord>) {}

  findClaim(id: string): Promise<IdempotencyRecord | null> {
    return this.records.findById(id).lean<IdempotencyRecord>().exec();
  }

  findAnswer(id: string): Promise<IdempotencyRecord | null> {
    return this.records.findById(answerId(id)).lean<IdempotencyRecord>().exec();
  }

  /** Stores a new claim; false when the key is claimed already (a concurrent request got there first). */
  async claim(record: IdempotencyRecord): Promise<boolean> {
    try {
      await this.records.create(record);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Replaces an expired claim and drops its answer, if any (a key used again after 24 h). */
  async renew(record: IdempotencyRecord): Promise<void> {
    await this.records.deleteOne({ _id: answerId(record._id) }).exec();
    await this.records.replaceOne({ _id: record._id }, record, { upsert: true }).exec();
  }

  async complete(
    claim: IdempotencyRecord,
    answer: Pick<IdempotencyRecord, 'status' | 'contentType' | 'body'>,
  ): Promise<void> {
    await this.records.create({ ...claim, ...answer, _id: answerId(claim._id), state: 'done' });
  }

  async release(id: string): Promise<void> {
    await this.records.deleteOne({ _id: id }).exec();
  }

  async deleteExpired(now: Date): Promise<number> {
    return (await this.records.deleteMany({ expiresAt: mongoose.trusted({ $lt: now }) }).exec()).deletedCount;
  }
}

const answerId = (id: string) => `${id}:answer`;
