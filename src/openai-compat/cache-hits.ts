import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { UsageRecorder } from '../analytics/usage-recorder.js';
import type { Principal } from '../auth/principal.js';
import { currentLogContext } from '../common/log-context.js';
import { currentTraceId } from '../common/tracing.js';
import { CACHE_HEADER, type CachedAnswer } from './response-cache.js';
import type { RelaySink } from './relay-sink.js';

/**
 * Answers a request from the response cache: the bytes the first client got (a whole body, or the
 * stream's events again), `x-orchestratex-cache: hit`, and a usage record at $0 that says what it
 * saved (the replayed call's cost), so analytics and the request log show hits and savings.
 */
@Injectable()
export class CacheHits {
  constructor(private readonly usage: UsageRecorder) {}

  answer(principal: Principal, sink: RelaySink, hit: CachedAnswer, started: number): void {
    sink.header(CACHE_HEADER, 'hit');
    const overheadMs = performance.now() - started;
    if (hit.events !== undefined) {
      sink.open(hit.modelId, overheadMs);
      for (const line of hit.events) sink.event(line);
      sink.close();
    } else sink.whole(hit.body ?? '', hit.modelId, overheadMs);
    this.usage.record({
      ownerId: principal.ownerId,
      keyId: principal.keyId,
      role: 'gateway',
      strategy: null,
      domain: null,
      provider: hit.provider,
      modelId: hit.modelId,
      usage: null,
      costUsd: 0,
      latencyMs: Math.round(performance.now() - started),
      ttftMs: null,
      status: 'succeeded',
      errorClass: null,
      cacheHit: true,
      savedUsd: hit.costUsd,
      requestId: currentLogContext()?.requestId ?? null,
      traceId: currentTraceId(),
    });
  }
}
