import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Cluster, PREFIX } from './cluster.js';

const LEASE_MS = 10_000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Mutual exclusion across processes for the few documents that more than one process writes (a
 * thread's message count): a Redis lock with a lease, released by its holder only. In one process
 * it holds nothing: callers already queue their writers there (KeyedQueue).
 */
@Injectable()
export class ClusterLocks {
  constructor(private readonly cluster: Cluster) {}

  async hold<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!this.cluster.enabled) return work();
    const key = `${PREFIX}lock:${name}`;
    const token = randomUUID();
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      if ((await this.cluster.redis.set(key, token, 'PX', LEASE_MS, 'NX')) === 'OK') break;
      await new Promise((r) => setTimeout(r, wait));
    }
    try {
      return await work();
    } finally {
      await this.cluster.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}
