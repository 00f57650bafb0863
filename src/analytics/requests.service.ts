import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { momentsOf } from '../common/dto/moment-range-query.dto.js';
import { OBJECT_ID } from '../common/parse-object-id.pipe.js';
import { toPage, type Page } from '../common/pagination.js';
import type { ListRequestsQueryDto, RequestRecordDto } from './dto/requests.dto.js';
import { UsageRepository, type RecordFilter } from './usage.repository.js';
import type { UsageRecord } from './usage.schema.js';

function toRequest(record: UsageRecord): RequestRecordDto {
  return {
    id: record._id.toHexString(),
    at: record.at.toISOString(),
    ownerId: record.ownerId,
    keyId: record.keyId,
    provider: record.provider,
    modelId: record.modelId,
    role: record.role,
    strategy: record.strategy,
    status: record.status,
    errorClass: record.errorClass,
    errorMessage: record.errorMessage ?? null,
    attempts: record.attempts ?? 1,
    failedAttempts: record.failedAttempts ?? [],
    latencyMs: record.latencyMs,
    timeToFirstTokenMs: record.ttftMs,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    cachedInputTokens: record.cachedInputTokens,
    reasoningTokens: record.reasoningTokens,
    costUsd: record.costUsd,
    sessionId: record.sessionId?.toHexString() ?? null,
    threadId: record.threadId?.toHexString() ?? null,
    runId: record.runId?.toHexString() ?? null,
    stepId: record.stepId,
    requestId: record.requestId ?? null,
    traceId: record.traceId ?? null,
    cacheHit: record.cacheHit ?? false,
    savedUsd: record.savedUsd ?? null,
  };
}

/**
 * The request log: every model call as its usage record keeps it, newest first. A user key sees
 * its own owner's calls; an admin key everyone's, or one owner's. Raw records are kept
 * USAGE_RETENTION_DAYS. On the embedded database a filter scans the records (see ARCHITECTURE).
 */
@Injectable()
export class RequestsService {
  constructor(private readonly repository: UsageRepository) {}

  async list(principal: Principal, query: ListRequestsQueryDto): Promise<Page<RequestRecordDto>> {
    if (principal.role !== 'admin' && query.ownerId !== undefined && query.ownerId !== principal.ownerId) {
      throw new ForbiddenException('ownerId: a user key sees only its own owner; leave ownerId out');
    }
    const filter: RecordFilter = {
      ownerId: principal.role === 'admin' ? query.ownerId : principal.ownerId,
      keyId: query.keyId,
      modelId: query.modelId,
      provider: query.provider,
      status: query.status,
      errorClass: query.errorClass,
      runId: query.runId,
      ...momentsOf(query),
    };
    const records = await this.repository.findRecords(filter, query.limit, query.cursor);
    return toPage(records, query.limit, toRequest);
  }

  /** One call; someone else's answers 404 exactly like a missing one. */
  async get(principal: Principal, id: string): Promise<RequestRecordDto> {
    const record = OBJECT_ID.test(id) ? await this.repository.findRecord(id) : null;
    if (record === null || (principal.role !== 'admin' && record.ownerId !== principal.ownerId)) {
      throw new NotFoundException(`request ${id} not found`);
    }
    return toRequest(record);
  }
}
