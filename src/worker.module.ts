import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config.js';
import { coreModules } from './core-modules.js';
import { EngineModule } from './orchestration/engine.module.js';

/** `npm run worker`: the engine and what it needs, no HTTP API and no sockets. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [...coreModules(config), EngineModule],
    };
  }
}
