import { Injectable, Logger } from '@nestjs/common';

/**
 * Writes still buffered at shutdown (usage records, run events) must reach the database before
 * its connection closes. Their owners register a drain here; the drains run, in the order they
 * were registered, after every `beforeApplicationShutdown` hook (where running runs end) and
 * before the connection closes.
 */
@Injectable()
export class ShutdownDrains {
  private readonly logger = new Logger('Shutdown');
  private readonly drains: { name: string; drain: () => Promise<void> }[] = [];

  register(name: string, drain: () => Promise<void>): void {
    this.drains.push({ name, drain });
  }

  async run(): Promise<void> {
    const started = Date.now();
    const failed: string[] = [];
    for (const { name, drain } of this.drains) {
      await drain().catch(() => failed.push(name));
    }
    const drained = this.drains.map((d) => d.name).filter((name) => !failed.includes(name));
    this.logger.log(
      `Shut down: ${drained.join(', ') || 'nothing'} written in ${Date.now() - started} ms${failed.length > 0 ? `; ${failed.join(', ')} could not be` : ''}`,
    );
  }
}
