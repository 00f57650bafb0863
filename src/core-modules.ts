import { AuthModule } from './auth/auth.module.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';

/**
 * What every process boots with, the API server and a run worker alike: its configuration, Redis
 * (in a cluster), the database, API keys and idempotency (the feature modules' controllers need
 * the last two even in a worker).
 */
export function coreModules(config: AppConfig) {
  return [ConfigModule.forRoot(config), ClusterModule, DatabaseModule, AuthModule, IdempotencyModule];
}
