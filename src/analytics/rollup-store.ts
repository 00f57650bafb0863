import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ROLLUPS, type Increment, type Rollup, type RollupDoc, type RollupFilter } from './rollup.types.js';
import { UsageRepository } from './usage.repository.js';

/**
 * An in-memory copy of the rollups, read once at start and kept equal to the database by applying
 * each increment once the database has taken it (the recorder waits for the load before its first
 * write, so nothing is counted twice or missed). The analytics endpoints read it instead of the
 * database: FerretDB 1.24 scans every document of a collection for these filters (about 250 µs per
 * rollup document here), which puts a 30-day query far above the 50 ms target.
 *
 * Only where one process owns the data: the copy is exact because every increment is written by
 * this process. In a cluster (several writers) it is off and analytics read the database, so two
 * instances cannot answer differently: there is no copy to drift. Memory: one entry per rollup
 * document (a day × owner × model), as stored, within the rollups' retention.
 */
@Injectable()
export class RollupStore implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RollupStore.name);
  private readonly docs: Record<Rollup, Map<string, RollupDoc>> = {
    usage: new Map(),
    model: new Map(),
    session: new Map(),
    run: new Map(),
    key: new Map(),
    tool: new Map(),
  };
  /** Per rollup, the documents of each owner: a user's query reads only its own. */
  private readonly byOwner: Record<Rollup, Map<string, RollupDoc[]>> = {
    usage: new Map(),
    model: new Map(),
    session: new Map(),
    run: new Map(),
    key: new Map(),
    tool: new Map(),
  };
  /**
   * Per rollup, the same counters summed over all owners (the owner part of the key replaced by
   * `*`): an admin's query over everyone reads these instead of every owner's documents.
   */
  private readonly everyone: Record<Rollup, Map<string, RollupDoc>> = {
    usage: new Map(),
    model: new Map(),
    session: new Map(),
    run: new Map(),
    key: new Map(),
    tool: new Map(),
  };
  readonly enabled: boolean;
  private ready = false;
  private stopped = false;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly repository: UsageRepository,
    config: AppConfig,
  ) {
    this.enabled = config.analyticsCache && config.cluster === null;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) void this.whenLoaded();
  }

  /** A load still retrying stops with the application (and the recorder's wait ends with it). */
  onModuleDestroy(): void {
    this.stopped = true;
  }

  /** Resolves once the copy is loaded (at once when the store is off). */
  whenLoaded(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    while (!this.stopped) {
      try {
        for (const rollup of ROLLUPS) {
          for (const doc of await this.repository.allRollups(rollup)) this.put(rollup, doc);
        }
        this.ready = true;
        const count = Object.values(this.docs).reduce((sum, m) => sum + m.size, 0);
        this.logger.log(`Analytics rollups loaded in memory: ${count} documents in ${Date.now() - started} ms`);
        return;
      } catch (error) {
        for (const rollup of Object.keys(this.docs) as Rollup[]) {
          this.docs[rollup].clear();
          this.byOwner[rollup].clear();
          this.everyone[rollup].clear();
        }
        if (this.stopped) return;
        this.logger.warn(
          `Loading the analytics rollups failed (${error instanceof Error ? error.message : String(error)}); retrying`,
        );
        await new Promise((r) => setTimeout(r, 1000).unref());
      }
    }
  }

  private put(rollup: Rollup, doc: RollupDoc): void {
    this.docs[rollup].set(doc._id, doc);
    const list = this.byOwner[rollup].get(doc.ownerId) ?? [];
    list.push(doc);
    this.byOwner[rollup].set(doc.ownerId, list);
    const all = this.everyoneOf(rollup, doc);
    for (const [group, counters] of Object.entries(doc)) {
      if (!isCounters(counters)) continue;
      for (const [field, value] of Object.entries(counters)) add(all, group, field, value);
    }
  }

  /** The all-owners document a document's counters also go to: the one with the same key fields but the owner. */
  private everyoneOf(rollup: Rollup, doc: RollupDoc): RollupDoc {
    const id = Object.entries(doc)
      .filter(([field, value]) => field !== '_id' && field !== 'ownerId' && !isCounters(value))
      .map(([field, value]) => `${field}=${value instanceof Date ? value.toISOString() : String(value)}`)
      .sort()
      .join('|');
    let all = this.everyone[rollup].get(id);
    if (all === undefined) {
      all = Object.fromEntries(Object.entries(doc).filter(([, v]) => !isCounters(v))) as RollupDoc;
      Object.assign(all, { _id: id, ownerId: '*' });
      this.everyone[rollup].set(id, all);
    }
    return all;
  }

  /** Applies an increment the database has just taken ($setOnInsert + $inc, as the upsert did). */
  apply(increment: Increment): void {
    if (!this.enabled || !this.ready) return;
    let doc = this.docs[increment.rollup].get(increment.id);
    if (doc === undefined) {
      doc = { _id: increment.id, ...(increment.set as { day: Date; ownerId: string }) };
      this.put(increment.rollup, doc);
    }
    const all = this.everyoneOf(increment.rollup, doc);
    for (const [path, value] of Object.entries(increment.inc)) {
      const [group, field] = path.split('.');
      add(doc, group, field, value);
      add(all, group, field, value);
    }
  }

  /** Forgets the documents of days before `cutoff` (the database removed them: the rollups' retention). */
  forgetBefore(cutoff: Date, rollups: readonly Rollup[]): void {
    if (!this.ready) return;
    for (const rollup of rollups) {
      for (const [id, doc] of this.docs[rollup]) if (doc.day < cutoff) this.docs[rollup].delete(id);
      for (const [owner, list] of this.byOwner[rollup]) {
        const kept = list.filter((doc) => doc.day >= cutoff);
        if (kept.length > 0) this.byOwner[rollup].set(owner, kept);
        else this.byOwner[rollup].delete(owner);
      }
      for (const [id, doc] of this.everyone[rollup]) if (doc.day < cutoff) this.everyone[rollup].delete(id);
    }
  }

  /** The documents a query selects, or undefined when the copy is not ready (read the database). */
  find(rollup: Rollup, filter: RollupFilter): RollupDoc[] | undefined {
    if (!this.ready) return undefined;
    const source =
      filter.ownerId === undefined
        ? [...this.everyone[rollup].values()]
        : (this.byOwner[rollup].get(filter.ownerId) ?? []);
    return source.filter(
      (d) =>
        (filter.from === undefined || d.day >= filter.from) &&
        (filter.to === undefined || d.day <= filter.to) &&
        (filter.domain === undefined || d.domain === filter.domain) &&
        (filter.sessionId === undefined || d.sessionId === filter.sessionId) &&
        (filter.keyId === undefined || d.keyId === filter.keyId),
    );
  }
}

function isCounters(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !(value instanceof Date);
}

function add(doc: RollupDoc, group: string, field: string, value: number): void {
  const counters = (doc[group] ??= {}) as Record<string, number>;
  counters[field] = (counters[field] ?? 0) + value;
}
