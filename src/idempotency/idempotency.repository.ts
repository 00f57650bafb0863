import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { Model } from 'mongoose';
import { IdempotencyRecord } from './idempotency-record.schema.js';

@Injectable()
export class IdempotencyRepository {
  constructor(@InjectModel(IdempotencyRecord.name) private readonly records: Model<IdempotencyRecord>) {}

  findById(id: string): Promise<IdempotencyRecord | null> {
    return this.records.findById(id).lean<IdempotencyRecord>().exec();
  }

  /** Stores a new claim, replacing an expired record of the same id. */
  async claim(record: IdempotencyRecord): Promise<void> {
    await this.records.replaceOne({ _id: record._id }, record, { upsert: true }).exec();
  }

  async complete(id: string, answer: Pick<IdempotencyRecord, 'status' | 'contentType' | 'body'>): Promise<void> {
    await this.records.updateOne({ _id: id }, { $set: { ...answer, state: 'done' } }).exec();
  }

  async release(id: string): Promise<void> {
    await this.records.deleteOne({ _id: id }).exec();
  }

  async deleteExpired(now: Date): Promise<number> {
    return (await this.records.deleteMany({ expiresAt: mongoose.trusted({ $lt: now }) }).exec()).deletedCount;
  }
}
