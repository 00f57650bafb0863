import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Server } from 'socket.io';
import { Cluster, PREFIX } from '../../cluster/cluster.js';
import { AppConfig } from '../../config/app-config.js';
import { toRunEvent } from '../dto/run.response.dto.js';
import { roomsOf, RunEventBus } from './run-event-bus.js';

export const NAMESPACE = '/orchestration';

/**
 * The last seq of a run handed to the stream. Written on the adapter's own connection right after
 * its XADD, so Redis has it only once the broadcast is in: a worker taking over a run broadcasts
 * the stored events after it (those its dead predecessor stored but had not broadcast yet).
 */
export const sentKey = (runId: string) => `${PREFIX}sent:${runId}`;

/**
 * A cluster process that executes runs hands each event, once it is stored, to Socket.IO's Redis
 * Streams adapter: a Socket.IO server with no HTTP server of its own, whose broadcasts every API
 * instance's adapter reads from the stream and delivers to its sockets in the run's rooms (and
 * replays to a socket that recovers its connection, on any instance). Stored first: whatever a
 * client received live, a replay from the store finds too.
 */
@Injectable()
export class RunBroadcaster implements OnApplicationBootstrap, OnApplicationShutdown {
  private io: Server | null = null;
  private stop: () => void = () => undefined;

  constructor(
    private readonly bus: RunEventBus,
    private readonly cluster: Cluster,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.cluster?.runJobs !== true) return;
    const redis = this.cluster.connect('broadcaster');
    this.io = new Server({ adapter: createAdapter(redis) });
    const namespace = this.io.of(NAMESPACE);
    this.stop = this.bus.listenStored(({ event, address }) => {
      namespace.to(roomsOf(address)).emit(event.type, toRunEvent(event));
      void redis.set(sentKey(event.runId), event.seq, 'EX', 86_400).catch(() => undefined);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.io?.close();
  }
}
