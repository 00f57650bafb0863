import { Injectable } from '@nestjs/common';

/**
 * Writes still buffered at shutdown (usage records, run events) must reach the database before
 * its connection closes. Their owners register a drain here; the drains run, in the order they
 * were registered, after every `beforeApplicationShutdown` hook (where running runs end) and
 * before the connection closes.
 */
@Injectable()
export class ShutdownDrains {
  private readonly drains: { name: string; drain: () => Promise<void> }[] = [];

  register(name: string, drain: () => Promise<void>): void {
    this.drains.push({ name, drain });
  }

  async run(): Promise<void> {
    for (const { drain } of this.drains) await drain().catch(() => undefined);
  }
}
