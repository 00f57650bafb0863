import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { KeyedQueue } from '../common/keyed-queue.js';
import { pageQuery } from '../common/pagination.js';
import { ApiKey } from './api-key.schema.js';

export type ApiKeyRecord = ApiKey;

@Injectable()
export class ApiKeysRepository {
  /** Writes to one key's document one at a time (a touch must not write back limits it read before a change). */
  private readonly writes = new KeyedQueue();

  constructor(@InjectModel(ApiKey.name) private readonly keys: Model<ApiKey>) {}

  async insert(
    key: Pick<ApiKey, '_id' | 'name' | 'role' | 'ownerId' | 'prefix' | 'hash' | 'limits'>,
  ): Promise<ApiKeyRecord> {
    const created = await this.keys.create(key);
    return created.toObject();
  }

  findActiveByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.keys.findOne({ hash, revokedAt: null }).lean<ApiKeyRecord>().exec();
  }

  async hasActiveAdmin(): Promise<boolean> {
    return (await this.keys.exists({ role: 'admin', revokedAt: null })) !== null;
  }

  list(scope: { ownerId?: string }, limit: number, cursor?: string): Promise<ApiKeyRecord[]> {
    const page = pageQuery(cursor, 'newest');
    return this.keys
      .find({ ...scope, ...page.filter })
      .sort(page.sort)
      .limit(limit + 1)
      .lean<ApiKeyRecord[]>()
      .exec();
  }

  revoke(id: string): Promise<ApiKeyRecord | null> {
    return this.writes.run(id, () =>
      this.keys
        .findOneAndUpdate(
          { _id: new Types.ObjectId(id), revokedAt: null },
          { $set: { revokedAt: new Date() } },
          { returnDocument: 'after' },
        )
        .lean<ApiKeyRecord>()
        .exec(),
    );
  }

  update(id: string, set: Partial<Pick<ApiKey, 'name' | 'limits'>>): Promise<ApiKeyRecord | null> {
    return this.writes.run(id, () =>
      this.keys
        .findOneAndUpdate({ _id: new Types.ObjectId(id) }, { $set: set }, { returnDocument: 'after' })
        .lean<ApiKeyRecord>()
        .exec(),
    );
  }

  findById(id: string): Promise<ApiKeyRecord | null> {
    return this.keys.findById(new Types.ObjectId(id)).lean<ApiKeyRecord>().exec();
  }

  async touch(id: Types.ObjectId, at: Date): Promise<void> {
    await this.writes.run(id.toHexString(), () =>
      this.keys.updateOne({ _id: id }, { $set: { lastUsedAt: at } }).exec(),
    );
  }
}
