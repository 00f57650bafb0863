import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';

/** Every key and channel of ours in Redis starts with this. */
export const PREFIX = 'orx:';

/**
 * The distributed mode's link to Redis: one connection for commands, one for subscriptions, and
 * new ones for whoever needs its own (BullMQ, the Socket.IO adapter). Disabled (no REDIS_URL) in
 * one process: then nothing here is used and no Redis is needed.
 */
@Injectable()
export class Cluster implements OnApplicationShutdown {
  private readonly logger = new Logger(Cluster.name);
  readonly enabled: boolean;
  readonly writerId: string;
  private readonly url: string | undefined;
  private commands: Redis | null = null;
  private subscriber: Redis | null = null;
  private readonly opened: Redis[] = [];
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  constructor(config: AppConfig) {
    this.enabled = config.cluster !== null;
    this.url = config.cluster?.redisUrl;
    this.writerId = config.writerId;
  }

  /** The shared command connection. */
  get redis(): Redis {
    this.commands ??= this.connect('commands');
    return this.commands;
  }

  /**
   * A connection of its own (BullMQ workers block on theirs; the adapter subscribes on its own).
   * Commands wait while Redis is away instead of failing after a few retries; with `failFastMs`,
   * a command fails at once while Redis is away and after that long when it does not answer (a
   * request's limits are checked on one: a client is answered 503 rather than kept waiting).
   */
  connect(name: string, options: { failFastMs?: number } = {}): Redis {
    if (this.url === undefined) throw new Error('the distributed mode needs REDIS_URL');
    const redis = new Redis(this.url, {
      connectionName: `orx-${name}`,
      ...(options.failFastMs === undefined
        ? { maxRetriesPerRequest: null }
        : { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: options.failFastMs }),
    });
    // The URL may carry a password: log the error class and message only.
    redis.on('error', (error: Error) => this.logger.warn(`Redis (${name}): ${error.message}`));
    this.opened.push(redis);
    return redis;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(PREFIX + channel, message);
  }

  /** Hears every message on a channel, from every process (this one too). Returns the way to stop. */
  subscribe(channel: string, handler: (message: string) => void): () => void {
    const name = PREFIX + channel;
    if (this.subscriber === null) {
      this.subscriber = this.connect('subscriber');
      this.subscriber.on('message', (from: string, message: string) => {
        for (const listener of this.handlers.get(from) ?? []) {
          try {
            listener(message);
          } catch (error) {
            this.logger.error(`A ${from} listener failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      });
    }
    let set = this.handlers.get(name);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(name, set);
      void this.subscriber.subscribe(name);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Resolves once the subscriptions asked for so far are in place (a message sent after is heard). */
  async subscribed(): Promise<void> {
    if (this.subscriber === null) return;
    await this.subscriber.subscribe(...this.handlers.keys());
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.opened.map((r) => r.quit().catch(() => r.disconnect())));
  }
}
