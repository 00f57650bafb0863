import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { CatalogueModel, CatalogueModelSchema } from './model.schema.js';
import { ModelCaller } from './model-caller.js';
import { ModelsController } from './models.controller.js';
import { ModelsRepository } from './models.repository.js';
import { ModelsService } from './models.service.js';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: CatalogueModel.name, schema: CatalogueModelSchema }]),
    ProvidersModule,
    AnalyticsModule,
    AuditModule,
  ],
  controllers: [ModelsController],
  providers: [ModelsRepository, ModelCaller, ModelsService],
  exports: [ModelsService, ModelCaller],
})
export class ModelsModule {}
