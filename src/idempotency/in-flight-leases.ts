import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Cluster, PREFIX } from '../cluster/cluster.js';

/** A claim this old is taken to have died with its request, even if this process never heard it end. */
const IN_FLIGHT_MAX_MS = 15 * 60_000;
/** A cluster: a lease lapses this long after its process stopped renewing it (it died). */
const LEASE_MS = 30_000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

const leaseKey = (id: string) => `${PREFIX}idem:${id}`;

/**
 * Which idempotency keys have a request being answered. One process: in memory. A cluster: a lease
 * in Redis held by the process that answers (renewed while it does, lapsing when it dies), so a
 * duplicate arriving at another instance at the same time gets 409 instead of a second call.
 */
@Injectable()
export class InFlightLeases implements OnApplicationShutdown {
  private readonly held = new Map<string, number>();
  private readonly token = randomUUID();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly cluster: Cluster) {}

  /** Takes the key's lease for a request about to be answered here; false when another request holds it. */
  async take(id: string, now = Date.now()): Promise<boolean> {
    const since = this.held.get(id);
    if (since !== undefined && now - since < IN_FLIGHT_MAX_MS) return false;
    if (this.cluster.enabled) {
      const taken = await this.cluster.redis.set(leaseKey(id), this.token, 'PX', LEASE_MS, 'NX');
      if (taken !== 'OK') return false;
      this.renewing();
    }
    this.held.set(id, now);
    return true;
  }

  /** Gives the lease back (the request answered or went away). */
  release(id: string): void {
    if (!this.held.delete(id) || !this.cluster.enabled) return;
    this.cluster.redis.eval(RELEASE, 1, leaseKey(id), this.token).catch(() => undefined);
  }

  private renewing(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      for (const id of this.held.keys()) {
        this.cluster.redis.eval(RENEW, 1, leaseKey(id), this.token, LEASE_MS).catch(() => undefined);
      }
    }, LEASE_MS / 3);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}
