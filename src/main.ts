import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { ApiKeysService } from './auth/api-keys.service.js';
import { startBanner } from './banner.js';
import { AppConfig } from './config/app-config.js';
import { readDotEnv } from './config/dotenv.js';
import { ConfigError } from './config/environment.js';
import { announceShutdown } from './shutdown-log.js';
import { ShutdownDrains } from './database/shutdown-drains.js';
import { startTracing } from './tracing-sdk.js';

async function bootstrap(): Promise<void> {
  const dotEnv = readDotEnv();
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
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new Error(
      `port ${config.port} on ${config.host} is taken (another OrchestrateX, or npm run demo?): stop what uses it, or set PORT`,
      { cause: error },
    );
  }
  // The admin key is made only now: a start that fails before listening leaves none behind unseen.
  const admin = await app.get(ApiKeysService).ensureAdminKey();
  process.stdout.write(`${startBanner({ config, dotEnv, admin })}\n`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`OrchestrateX failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
