import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Cluster, PREFIX } from '../../cluster/cluster.js';
import { AppConfig } from '../../config/app-config.js';
import { RunEventBus, type Published } from './run-event-bus.js';

/** The cluster's run events, in the order their workers stored them: one Redis stream. */
export const EVENT_STREAM = `${PREFIX}run-events`;
/** About how many events the stream keeps (an API instance reads it within milliseconds). */
const STREAM_LENGTH = 50_000;
/** The field of a stream entry that holds the event and its address, as JSON. */
export const EVENT_FIELD = 'published';

/**
 * The last seq of a run appended to the stream, set in the same transaction as the append: a
 * worker taking over a run appends the stored events after it (those its dead predecessor stored
 * but had not appended yet).
 */
export const sentKey = (runId: string) => `${PREFIX}sent:${runId}`;

/**
 * A cluster process that executes runs appends each event, once it is stored, to the cluster's
 * event stream, which every API instance's bus reads (`ClusterEventFeed`). Stored first: whatever
 * a client received live, a replay from the store finds too.
 */
@Injectable()
export class RunBroadcaster implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RunBroadcaster.name);
  private stop: () => void = () => undefined;

  constructor(
    private readonly bus: RunEventBus,
    private readonly cluster: Cluster,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.cluster?.runJobs !== true) return;
    const redis = this.cluster.connect('broadcaster');
    this.stop = this.bus.listenStored((published) => this.append(redis, published));
  }

  /** Commands on one connection run in the order sent: each run's events enter the stream in seq order. */
  private append(redis: Redis, published: Published): void {
    const { event } = published;
    redis
      .multi()
      .xadd(EVENT_STREAM, 'MAXLEN', '~', STREAM_LENGTH, '*', EVENT_FIELD, JSON.stringify(published))
      .set(sentKey(event.runId), event.seq, 'EX', 86_400)
      .exec()
      .catch((error: unknown) =>
        this.logger.warn(
          `Event ${event.seq} of run ${event.runId} did not reach the event stream: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  }

  onApplicationShutdown(): void {
    this.stop();
  }
}
