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
import { ModelAlias, ModelAliasSchema } from './aliases/model-alias.schema.js';
import { ModelAliasesController } from './aliases/model-aliases.controller.js';
import { ModelAliasesRepository } from './aliases/model-aliases.repository.js';
import { ModelAliasesService } from './aliases/model-aliases.service.js';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CatalogueModel.name, schema: CatalogueModelSchema },
      { name: ModelAlias.name, schema: ModelAliasSchema },
    ]),
    ProvidersModule,
    AnalyticsModule,
    AuditModule,
  ],
  controllers: [ModelsController, ModelAliasesController],
  providers: [ModelsRepository, ModelCaller, ModelsService, ModelAliasesRepository, ModelAliasesService],
  exports: [ModelsService, ModelCaller, ModelAliasesService],
})
export class ModelsModule {}
