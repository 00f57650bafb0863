import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { McpModule } from '../mcp/mcp.module.js';
import { ModelsModule } from '../models/models.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThreadsModule } from '../threads/threads.module.js';
import { RedisAdmission } from './admission.js';
import { RunFinisher } from './engine/run-finisher.js';
import { RunPlanner } from './engine/run-planner.js';
import { RunRecovery } from './engine/run-recovery.js';
import { ClusterEventFeed } from './events/cluster-event-feed.js';
import { RunBroadcaster } from './events/run-broadcaster.js';
import { RunEventBus } from './events/run-event-bus.js';
import { DatabaseWatch } from './jobs/database-watch.js';
import { OrphanRuns } from './jobs/orphan-runs.js';
import { RunQueue, RunWorker } from './jobs/run-jobs.js';
import { OrchestrationEngine } from './orchestration-engine.js';
import { Run, RunEventRecord, RunEventRecordSchema, RunSchema } from './run.schema.js';
import { RunEventsRepository } from './run-events.repository.js';
import { RunsRepository } from './runs.repository.js';

/**
 * What executes runs, without HTTP or sockets: the engine, its event bus and stores, and in a
 * cluster the run queue, the job worker, the broadcaster and (API processes) the event feed. `worker.ts` boots this module alone.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Run.name, schema: RunSchema },
      { name: RunEventRecord.name, schema: RunEventRecordSchema },
    ]),
    ModelsModule,
    McpModule,
    AnalyticsModule,
    ProvidersModule,
    SessionsModule,
    ThreadsModule,
  ],
  providers: [
    RunsRepository,
    RunEventsRepository,
    RunEventBus,
    RunPlanner,
    RunFinisher,
    RunRecovery,
    OrchestrationEngine,
    RedisAdmission,
    RunQueue,
    RunWorker,
    DatabaseWatch,
    OrphanRuns,
    RunBroadcaster,
    ClusterEventFeed,
  ],
  exports: [RunsRepository, RunEventBus, OrchestrationEngine, RedisAdmission, RunQueue, DatabaseWatch],
})
export class EngineModule {}
