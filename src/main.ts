import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { AppConfig } from './config/app-config.js';
import { ConfigError } from './config/environment.js';
import { announceShutdown } from './shutdown-log.js';
import { ShutdownDrains } from './database/shutdown-drains.js';
import { startTracing } from './tracing-sdk.js';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its rule.\n`);
      process.exit(1);
    }
    throw error;
  }
  const stopTracing = await startTracing(config.tracing);
  const app = await createApp(config);
  if (stopTracing !== null) app.get(ShutdownDrains).register('traces', stopTracing);
  announceShutdown(app);
  await app.listen({ port: config.port, host: config.host });
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stdout.write(
    `OrchestrateX listening on http://${shown}:${config.port} (API docs: http://${shown}:${config.port}/docs)\n`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`OrchestrateX failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
