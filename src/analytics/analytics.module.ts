import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AnalyticsController, MetricsController } from './analytics.controller.js';
import { RequestsController } from './requests.controller.js';
import { RequestsService } from './requests.service.js';
import { AnalyticsService } from './analytics.service.js';
import { MetricsService } from './metrics.service.js';
import { RollupStore } from './rollup-store.js';
import { StoredKeySpend } from './stored-key-spend.js';
import { UsageRecorder } from './usage-recorder.js';
import { UsageRepository } from './usage.repository.js';
import {
  KeyRollup,
  KeyRollupSchema,
  ModelRollup,
  ModelRollupSchema,
  RunRollup,
  RunRollupSchema,
  SessionRollup,
  SessionRollupSchema,
  ToolRollup,
  ToolRollupSchema,
  UsageRecord,
  UsageRecordSchema,
  UsageRollup,
  UsageRollupSchema,
} from './usage.schema.js';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: UsageRecord.name, schema: UsageRecordSchema },
      { name: UsageRollup.name, schema: UsageRollupSchema },
      { name: ModelRollup.name, schema: ModelRollupSchema },
      { name: SessionRollup.name, schema: SessionRollupSchema },
      { name: RunRollup.name, schema: RunRollupSchema },
      { name: KeyRollup.name, schema: KeyRollupSchema },
      { name: ToolRollup.name, schema: ToolRollupSchema },
    ]),
    SessionsModule,
  ],
  controllers: [AnalyticsController, MetricsController, RequestsController],
  providers: [
    UsageRepository,
    RollupStore,
    UsageRecorder,
    AnalyticsService,
    MetricsService,
    StoredKeySpend,
    RequestsService,
  ],
  exports: [UsageRecorder, UsageRepository, RollupStore, AnalyticsService, MetricsService, StoredKeySpend],
})
export class AnalyticsModule {}
