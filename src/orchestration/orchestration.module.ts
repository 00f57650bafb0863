import { Module } from '@nestjs/common';
import { McpModule } from '../mcp/mcp.module.js';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { Cluster } from '../cluster/cluster.js';
import { ModelsModule } from '../models/models.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThreadsModule } from '../threads/threads.module.js';
import { LocalAdmission, RedisAdmission, RunAdmission } from './admission.js';
import { EngineModule } from './engine.module.js';
import { OrchestrationController } from './orchestration.controller.js';
import { OrchestrationService } from './orchestration.service.js';

/** The API side of runs: REST and SSE (Socket.IO: `SocketsModule`); the engine module executes them. */
@Module({
  imports: [EngineModule, AnalyticsModule, ModelsModule, SessionsModule, ThreadsModule, McpModule],
  controllers: [OrchestrationController],
  providers: [
    LocalAdmission,
    {
      provide: RunAdmission,
      inject: [Cluster, LocalAdmission, RedisAdmission],
      useFactory: (cluster: Cluster, local: LocalAdmission, redis: RedisAdmission) => (cluster.enabled ? redis : local),
    },
    OrchestrationService,
  ],
  exports: [EngineModule, OrchestrationService],
})
export class OrchestrationModule {}
