import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KeeperData, KeeperMessage } from './lock-keeper.thread.js';

/** A main thread stalled this long is taken as wedged: its runs' locks lapse and other workers take them. */
const WEDGED_MS = 5 * 60_000;

/**
 * The main thread's side of the lock keeper: tells the keeper thread which job locks to renew,
 * and shows it that this thread still turns. Where the thread's file is not built (a spec run
 * from TypeScript) BullMQ's own renewal on the main thread is all there is.
 */
export class LockKeeper {
  private readonly logger = new Logger(LockKeeper.name);
  private readonly thread: Worker | null = null;
  private readonly beat = new Int32Array(new SharedArrayBuffer(4));
  private readonly startedAt = Date.now();
  private readonly timer: NodeJS.Timeout | null = null;

  constructor(redisUrl: string, lockMs: number, stalledKey: string) {
    const file = fileURLToPath(new URL('./lock-keeper.thread.js', import.meta.url));
    if (!existsSync(file)) {
      this.logger.warn('The lock keeper thread is not built: run locks are renewed on the main thread only');
      return;
    }
    const data: KeeperData = {
      redisUrl,
      lockMs,
      stalledKey,
      beat: this.beat.buffer,
      startedAt: this.startedAt,
      wedgedMs: WEDGED_MS,
    };
    this.thread = new Worker(file, { workerData: data });
    this.thread.on('error', (error) => this.logger.error(`The lock keeper thread failed: ${error.message}`));
    this.thread.unref();
    this.timer = setInterval(() => Atomics.store(this.beat, 0, Math.floor((Date.now() - this.startedAt) / 1000)), 1000);
    this.timer.unref();
  }

  hold(lockKey: string, token: string, jobId: string): void {
    this.tell({ hold: lockKey, token, jobId });
  }

  drop(lockKey: string): void {
    this.tell({ drop: lockKey });
  }

  private tell(message: KeeperMessage): void {
    this.thread?.postMessage(message);
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.thread?.terminate();
  }
}
