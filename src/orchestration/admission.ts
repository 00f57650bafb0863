import { Injectable } from '@nestjs/common';
import { Cluster, PREFIX } from '../cluster/cluster.js';
import { AppConfig } from '../config/app-config.js';
import { OrchestrationEngine } from './orchestration-engine.js';

/** How long an admitted run holds its slot while it waits in the queue; a worker renews it while running. */
export const QUEUED_LEASE_MS = 10 * 60_000;
export const RUNNING_LEASE_MS = 30_000;
/** A worker's count of calls in flight counts for this long after its last report. */
const INFLIGHT_FRESH_MS = 3000;

/**
 * Admission of a new run: the key's runs going (MAX_RUNS_PER_KEY) and the model calls in flight
 * (MAX_INFLIGHT_CALLS). One process reads the engine; a cluster counts in Redis.
 */
export abstract class RunAdmission {
  /** Null when the run may start; otherwise why not (a 429). Admitting the same run twice holds one slot. */
  abstract admit(keyId: string, runId: string): Promise<string | null>;
  /** Frees the run's slot (it ended, was cancelled, or never started). */
  abstract release(keyId: string, runId: string): Promise<void>;
}

function refusals(config: AppConfig) {
  const limits = config.orchestration;
  return {
    runs: `This API key already has ${limits.maxRunsPerKey} runs going (MAX_RUNS_PER_KEY); wait for one to end or cancel one`,
    calls: `The server has ${limits.maxInflightCalls} model calls in flight (MAX_INFLIGHT_CALLS); try again shortly`,
  };
}

/** One process: the engine's own runs and call gate. */
@Injectable()
export class LocalAdmission extends RunAdmission {
  constructor(
    private readonly engine: OrchestrationEngine,
    private readonly config: AppConfig,
  ) {
    super();
  }

  admit(keyId: string): Promise<string | null> {
    const refused = refusals(this.config);
    if (this.engine.activeRunsOf(keyId) >= this.config.orchestration.maxRunsPerKey)
      return Promise.resolve(refused.runs);
    if (this.engine.gate.busy) return Promise.resolve(refused.calls);
    return Promise.resolve(null);
  }

  release(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Admits a run atomically against the key's runs in the whole cluster: a sorted set per key whose
 * members are run ids and whose scores are lease deadlines (a run whose process vanished frees
 * its slot when its lease runs out).
 */
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

export const keySlots = (keyId: string) => `${PREFIX}runs-of:${keyId}`;
const INFLIGHT = `${PREFIX}inflight`;

/** A cluster: per-key run slots and the calls in flight of every live process, in Redis. */
@Injectable()
export class RedisAdmission extends RunAdmission {
  constructor(
    private readonly cluster: Cluster,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async admit(keyId: string, runId: string): Promise<string | null> {
    const refused = refusals(this.config);
    if ((await this.callsInFlight()) >= this.config.orchestration.maxInflightCalls) return refused.calls;
    const now = Date.now();
    const ok = await this.cluster.redis.eval(
      ADMIT,
      1,
      keySlots(keyId),
      now,
      now + QUEUED_LEASE_MS,
      runId,
      this.config.orchestration.maxRunsPerKey,
      QUEUED_LEASE_MS,
    );
    return ok === 1 ? null : refused.runs;
  }

  async release(keyId: string, runId: string): Promise<void> {
    await this.cluster.redis.zrem(keySlots(keyId), runId);
  }

  /** Keeps running runs' slots held (called by the process that executes them). */
  async renew(slots: { keyId: string; runId: string }[]): Promise<void> {
    if (slots.length === 0) return;
    const until = Date.now() + RUNNING_LEASE_MS;
    const batch = this.cluster.redis.multi();
    for (const { keyId, runId } of slots) batch.zadd(keySlots(keyId), 'XX', until, runId);
    await batch.exec();
  }

  /** Reports this process's calls in flight (workers, every second and on each change). */
  async reportCalls(count: number): Promise<void> {
    await this.cluster.redis
      .multi()
      .hset(INFLIGHT, this.cluster.writerId, `${count}:${Date.now()}`)
      .pexpire(INFLIGHT, 60_000)
      .exec();
  }

  /** The sum of the fresh reports. */
  async callsInFlight(): Promise<number> {
    const reports = await this.cluster.redis.hgetall(INFLIGHT);
    const now = Date.now();
    let sum = 0;
    for (const report of Object.values(reports)) {
      const [count, at] = report.split(':').map(Number);
      if (now - at <= INFLIGHT_FRESH_MS) sum += count;
    }
    return sum;
  }
}
