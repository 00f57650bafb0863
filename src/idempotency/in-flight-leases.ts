import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Cluster } from '../cluster/cluster.js';
import { ClusterLocks } from '../cluster/locks.js';

/** A claim this old is taken to have died with its request, even if this process never heard it end. */
const IN_FLIGHT_MAX_MS = 15 * 60_000;
/** A cluster: a lease lapses this long after its process stopped renewing it (it died). */
const LEASE_MS = 30_000;

const leaseName = (id: string) => `idem:${id}`;

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

  constructor(
    private readonly cluster: Cluster,
    private readonly locks: ClusterLocks,
  ) {}

  /** Takes the key's lease for a request about to be answered here; false when another request holds it. */
  async take(id: string, now = Date.now()): Promise<boolean> {
    const since = this.held.get(id);
    if (since !== undefined && now - since < IN_FLIGHT_MAX_MS) return false;
    if (this.cluster.enabled) {
      if (!(await this.locks.take(leaseName(id), this.token, LEASE_MS))) return false;
      this.renewing();
    }
    this.held.set(id, now);
    return true;
  }

  /** Gives the lease back (the request answered or went away). */
  release(id: string): void {
    if (!this.held.delete(id) || !this.cluster.enabled) return;
    this.locks.release(leaseName(id), this.token).catch(() => undefined);
  }

  private renewing(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      for (const id of this.held.keys()) {
        this.locks.renew(leaseName(id), this.token, LEASE_MS).catch(() => undefined);
      }
    }, LEASE_MS / 3);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}
