import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { OrchestrationEngine } from './orchestration/orchestration-engine.js';

/** An info line when a signal starts the shutdown, with what is still going; the drains log its end. */
export function announceShutdown(app: INestApplicationContext): void {
  const logger = new Logger('Shutdown');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const runs = app.get(OrchestrationEngine).slots().length;
      logger.log(`Shutting down on ${signal}: ${runs} run${runs === 1 ? '' : 's'} going here get 10 s to end`);
    });
  }
}
