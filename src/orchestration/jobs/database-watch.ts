import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../../config/app-config.js';
import { pingDatabase } from '../../database/database-ping.js';

const PING_EVERY_MS = 2000;
const PING_TIMEOUT_MS = 1500;
/** A worker whose database has not answered for this long exits, for its supervisor to start a fresh one. */
export const UNREACHABLE_EXIT_MS = 60_000;
const EXIT_GRACE_MS = 30_000;

/**
 * A run worker's view of its database (a cluster's workers): pinged every 2 s; while it does not
 * answer the worker reports unhealthy and takes no jobs (each would fail), and after a minute the
 * process exits so that a broken connection pool is not kept for good (a worker once failed every
 * operation with ECONNRESET for six minutes while its health said ok).
 */
@Injectable()
export class DatabaseWatch implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseWatch.name);
  private timer: NodeJS.Timeout | null = null;
  private downSince: number | null = null;
  private lastError = '';
  private readonly listeners = new Set<(up: boolean) => void>();

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  /** Whether the last ping was answered. */
  get up(): boolean {
    return this.downSince === null;
  }

  /** Why it is down, for the health answer. */
  get problem(): string | null {
    return this.downSince === null ? null : this.lastError;
  }

  /** Hears each change of state. */
  onChange(listener: (up: boolean) => void): void {
    this.listeners.add(listener);
  }

  onApplicationBootstrap(): void {
    const cluster = this.config.cluster;
    if (cluster === null || !cluster.runJobs) return;
    this.timer = setInterval(() => void this.check(), PING_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    try {
      await pingDatabase(this.connection, PING_TIMEOUT_MS);
      if (this.downSince === null) return;
      this.logger.warn(`The database answers again after ${Math.round((Date.now() - this.downSince) / 1000)} s`);
      this.downSince = null;
      this.tell(true);
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      if (this.downSince === null) {
        this.downSince = Date.now();
        this.logger.error(`The database does not answer (${this.lastError}): taking no run jobs until it does`);
        this.tell(false);
      } else if (Date.now() - this.downSince > UNREACHABLE_EXIT_MS) {
        this.logger.error(
          `The database has not answered for ${UNREACHABLE_EXIT_MS / 1000} s: exiting for a fresh start`,
        );
        if (this.timer !== null) clearInterval(this.timer);
        // The shutdown hands its runs back to the queue; should it hang on the database, exit anyway.
        setTimeout(() => process.exit(1), EXIT_GRACE_MS).unref();
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      }
    }
  }

  private tell(up: boolean): void {
    for (const listener of this.listeners) listener(up);
  }
}
