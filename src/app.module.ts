import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config.js';
import { coreModules } from './core-modules.js';
import { HealthModule } from './health/health.module.js';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { McpApiModule } from './mcp/mcp-api.module.js';
import { McpEndpointModule } from './mcp/endpoint/mcp-endpoint.module.js';
import { ModelsModule } from './models/models.module.js';
import { OpenAiCompatModule } from './openai-compat/openai-compat.module.js';
import { OrchestrationModule } from './orchestration/orchestration.module.js';
import { SocketsModule } from './orchestration/sockets.module.js';
import { ProvidersModule } from './providers/providers.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { ThreadsModule } from './threads/threads.module.js';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreModules(config),
        HealthModule,
        SessionsModule,
        ThreadsModule,
        ProvidersModule,
        ModelsModule,
        OrchestrationModule,
        AnalyticsModule,
        OpenAiCompatModule,
        McpApiModule,
        McpEndpointModule,
        ...(config.socketIo ? [SocketsModule] : []),
      ],
    };
  }
}
