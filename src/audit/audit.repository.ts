import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { Model, Types } from 'mongoose';
import { pageQuery } from '../common/pagination.js';
import { AuditEntry, type AuditAction, type AuditTarget } from './audit-entry.schema.js';

export interface AuditFilter {
  action?: AuditAction;
  targetType?: AuditTarget;
  targetId?: string;
  actorKeyId?: string;
  from?: Date;
  to?: Date;
}

/** The only code that touches the audit collection: entries are inserted, never changed. */
@Injectable()
export class AuditRepository {
  constructor(@InjectModel(AuditEntry.name) private readonly entries: Model<AuditEntry>) {}

  async insert(entry: Omit<AuditEntry, '_id'>): Promise<void> {
    await this.entries.create({ _id: new Types.ObjectId(), ...entry });
  }

  list(filter: AuditFilter, limit: number, cursor?: string): Promise<AuditEntry[]> {
    const page = pageQuery(cursor, 'newest');
    const where: Record<string, unknown> = { ...page.filter };
    for (const field of ['action', 'targetType', 'targetId', 'actorKeyId'] as const) {
      if (filter[field] !== undefined) where[field] = filter[field];
    }
    if (filter.from !== undefined || filter.to !== undefined) {
      where.at = mongoose.trusted({ ...(filter.from && { $gte: filter.from }), ...(filter.to && { $lte: filter.to }) });
    }
    return this.entries
      .find(where)
      .sort(page.sort)
      .limit(limit + 1)
      .lean<AuditEntry[]>()
      .exec();
  }
}
