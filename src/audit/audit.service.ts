import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { momentsOf } from '../common/dto/moment-range-query.dto.js';
import { toPage, type Page } from '../common/pagination.js';
import type { AuditAction, AuditEntry, AuditTarget } from './audit-entry.schema.js';
import { AuditRepository } from './audit.repository.js';
import type { AuditEntryDto, ListAuditQueryDto } from './dto/audit.dto.js';

const toDto = (entry: AuditEntry): AuditEntryDto => ({
  id: entry._id.toHexString(),
  at: entry.at.toISOString(),
  actorKeyId: entry.actorKeyId,
  action: entry.action,
  targetType: entry.targetType,
  targetId: entry.targetId,
  before: entry.before,
  after: entry.after,
});

/**
 * The audit trail: every admin action on keys and models, with the acting key and the object
 * before and after. Callers pass states without secrets (a key's hash never, its limits yes).
 * Written after the action succeeded; a write that fails is thrown (the admin hears of it).
 */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  async record(
    actor: Principal,
    action: AuditAction,
    target: { type: AuditTarget; id: string },
    before: object | null,
    after: object | null,
  ): Promise<void> {
    await this.repository.insert({
      at: new Date(),
      actorKeyId: actor.keyId,
      action,
      targetType: target.type,
      targetId: target.id,
      before: before as Record<string, unknown> | null,
      after: after as Record<string, unknown> | null,
    });
  }

  async list(query: ListAuditQueryDto): Promise<Page<AuditEntryDto>> {
    const entries = await this.repository.list(
      {
        action: query.action,
        targetType: query.targetType,
        targetId: query.targetId,
        actorKeyId: query.actorKeyId,
        ...momentsOf(query),
      },
      query.limit,
      query.cursor,
    );
    return toPage(entries, query.limit, toDto);
  }
}
