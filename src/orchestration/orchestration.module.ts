import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { ModelsModule } from '../models/models.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThreadsModule } from '../threads/threads.module.js';
import { RunEventBus } from './events/run-event-bus.js';
import { OrchestrationController } from './orchestration.controller.js';
import { OrchestrationEngine } from './orchestration-engine.js';
import { OrchestrationGateway } from './orchestration.gateway.js';
import { OrchestrationService } from './orchestration.service.js';
import { Run, RunEventRecord, RunEventRecordSchema, RunSchema } from './run.schema.js';
import { RunEventsRepository } from './run-events.repository.js';
import { RunsRepository } from './runs.repository.js';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Run.name, schema: RunSchema },
      { name: RunEventRecord.name, schema: RunEventRecordSchema },
    ]),
    ModelsModule,
    AnalyticsModule,
    ProvidersModule,
    SessionsModule,
    ThreadsModule,
  ],
  controllers: [OrchestrationController],
  providers: [
    RunsRepository,
    RunEventsRepository,
    RunEventBus,
    OrchestrationEngine,
    OrchestrationService,
    OrchestrationGateway,
  ],
  exports: [RunEventBus, OrchestrationService],
})
export class OrchestrationModule {}
