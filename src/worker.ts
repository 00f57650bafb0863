import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createServer } from 'node:http';
import { MetricsService } from './analytics/metrics.service.js';
import { createLogger, PinoNestLogger } from './common/logger.js';
import { announceShutdown } from './shutdown-log.js';
import { ShutdownDrains } from './database/shutdown-drains.js';
import { startTracing } from './tracing-sdk.js';
import { AppConfig } from './config/app-config.js';
import { readDotEnv } from './config/dotenv.js';
import { ConfigError } from './config/environment.js';
import { DatabaseWatch } from './orchestration/jobs/database-watch.js';
import { OrchestrationEngine } from './orchestration/orchestration-engine.js';
import { WorkerModule } from './worker.module.js';

/**
 * A run worker (the distributed mode): takes run jobs from the queue and executes them, with no
 * HTTP API. With WORKER_PORT, answers GET /health and GET /metrics there.
 */
async function bootstrap(): Promise<void> {
  readDotEnv();
  let config: AppConfig;
  try {
    config = AppConfig.forWorker();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its rule.\n`);
      process.exit(1);
    }
    throw error;
  }
  if (config.cluster === null) {
    process.stderr.write('npm run worker needs REDIS_URL (and MONGODB_URI): a worker takes its runs from Redis.\n');
    process.exit(1);
  }
  const stopTracing = await startTracing(config.tracing);
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  announceShutdown(app);
  if (stopTracing !== null) app.get(ShutdownDrains).register('traces', stopTracing);
  const port = config.cluster.workerPort;
  if (port !== undefined) {
    const engine = app.get(OrchestrationEngine);
    const database = app.get(DatabaseWatch);
    const metrics = app.get(MetricsService);
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/health') {
        // Unhealthy while its database does not answer: it takes no jobs then, and exits after a minute.
        const up = database.up;
        res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: up ? 'ok' : 'unhealthy',
            database: up ? 'up' : `unreachable: ${database.problem}`,
            writerId: config.writerId,
            runs: engine.slots().length,
          }),
        );
      } else if (req.method === 'GET' && req.url === '/metrics') {
        void metrics.registry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        });
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ statusCode: 404, message: 'a worker answers GET /health and GET /metrics only' }));
      }
    });
    server.listen(port, config.host);
    process.once('SIGTERM', () => server.close());
  }
  process.stdout.write(
    `OrchestrateX worker ${config.writerId}: ${config.cluster.concurrency} runs at once${port === undefined ? '' : `, health on port ${port}`}\n`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`OrchestrateX worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
