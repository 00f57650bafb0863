import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Cluster, PREFIX } from './cluster.js';

const LEASE_MS = 10_000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

const lockKey = (name: string) => `${PREFIX}lock:${name}`;

/**
 * Mutual exclusion across processes: Redis leases, taken with a token, renewed and released by
 * their holder only, lapsing when it dies. `hold` queues for one (the few documents more than one
 * process writes: a thread's message count; in one process it holds nothing, callers already queue
 * their writers there with KeyedQueue); `take`, `renew` and `release` are the lease itself, for
 * holders that do not wait (an idempotency key in flight, one sweep at a time).
 */
@Injectable()
export class ClusterLocks {
  constructor(private readonly cluster: Cluster) {}

  async hold<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!this.cluster.enabled) return work();
    const token = randomUUID();
    for (let wait = 2; !(await this.take(name, token, LEASE_MS)); wait = Math.min(wait * 2, 50)) {
      await new Promise((r) => setTimeout(r, wait));
    }
    try {
      return await work();
    } finally {
      await this.release(name, token).catch(() => undefined);
    }
  }

  /** Takes the lease `name` for `ms` with `token`; false when another holder has it. */
  async take(name: string, token: string, ms: number): Promise<boolean> {
    return (await this.cluster.redis.set(lockKey(name), token, 'PX', ms, 'NX')) === 'OK';
  }

  /** Extends the lease for `ms` more, if `token` still holds it. */
  async renew(name: string, token: string, ms: number): Promise<void> {
    await this.cluster.redis.eval(RENEW, 1, lockKey(name), token, ms);
  }

  /** Gives the lease back, if `token` still holds it. */
  async release(name: string, token: string): Promise<void> {
    await this.cluster.redis.eval(RELEASE, 1, lockKey(name), token);
  }
}
