import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Cluster } from '../../cluster/cluster.js';
import { EVENT_FIELD, EVENT_STREAM } from './run-broadcaster.js';
import { RunEventBus, type Published } from './run-event-bus.js';

/** What XREAD answers for one stream: null, or the stream's name with its entries (id, fields). */
type StreamRead = [string, [string, string[]][]][] | null;

/** Runs whose last seq the feed remembers; the oldest is forgotten past this. */
const MAX_RUNS = 10_000;
/** How long one read waits for new entries before it asks again (and sees a shutdown). */
const BLOCK_MS = 2_000;
const RETRY_MS = 500;

/**
 * An API instance's ear on the cluster: reads the event stream the workers append to, in order,
 * and hands each event once to the bus (a takeover may append again what its predecessor had
 * appended: anything at or below a run's last seq is a repeat). Whatever follows runs on this
 * instance (SSE, waits for a run's end, `/v1` streams, the Socket.IO gateway) listens to the bus.
 * A stream, not pub/sub: a reader that lost its connection goes on from the last entry it read.
 */
@Injectable()
export class ClusterEventFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterEventFeed.name);
  private readonly seen = new Map<string, number>();
  private redis: Redis | null = null;
  private reading: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly bus: RunEventBus,
    private readonly cluster: Cluster,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.bus.hearsOthers) return;
    this.redis = this.cluster.connect('event-feed');
    this.reading = this.follow(this.redis);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.redis?.disconnect();
    await this.reading;
  }

  private async follow(redis: Redis): Promise<void> {
    // From the stream's end as it is now: what came before is in the database for whoever asks.
    let from: string | null = null;
    while (!this.stopped) {
      try {
        from ??= (await redis.xrevrange(EVENT_STREAM, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
        const read: StreamRead = await redis.xread('COUNT', 500, 'BLOCK', BLOCK_MS, 'STREAMS', EVENT_STREAM, from);
        for (const [id, fields] of read?.[0]?.[1] ?? []) {
          from = id;
          this.hand(fields);
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`Reading the event stream failed: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  private hand(fields: string[]): void {
    const json = fields[fields.indexOf(EVENT_FIELD) + 1];
    let published: Published;
    try {
      published = JSON.parse(json ?? '') as Published;
    } catch {
      return this.logger.warn('An entry of the event stream is not JSON: skipped');
    }
    const { runId, seq } = published.event;
    if (seq <= (this.seen.get(runId) ?? 0)) return;
    this.seen.delete(runId); // re-inserted last: the map's first key is the run heard of longest ago
    if (this.seen.size >= MAX_RUNS) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(runId, seq);
    this.bus.relay(published);
  }
}
