import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { AuthModule } from './auth/auth.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { EngineModule } from './orchestration/engine.module.js';

/** `npm run worker`: the engine and what it needs, no HTTP API and no sockets. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      // The feature modules the engine uses bring their controllers along, which need these two.
      imports: [
        ConfigModule.forRoot(config),
        ClusterModule,
        DatabaseModule,
        AuthModule,
        IdempotencyModule,
        EngineModule,
      ],
    };
  }
}
