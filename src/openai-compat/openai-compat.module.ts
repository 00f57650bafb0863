import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module.js';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThreadsModule } from '../threads/threads.module.js';
import { OpenAiCompatController } from './openai-compat.controller.js';
import { OpenAiCompatService } from './openai-compat.service.js';
import { GatewayModels } from './gateway-models.js';
import { GatewayRuns } from './gateway-runs.service.js';
import { ResponseCache } from './response-cache.js';
import { CacheHits } from './cache-hits.js';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { CountTokensService } from './count-tokens.service.js';

@Module({
  imports: [AnalyticsModule, ModelsModule, OrchestrationModule, ProvidersModule, SessionsModule, ThreadsModule],
  controllers: [OpenAiCompatController],
  providers: [OpenAiCompatService, GatewayModels, GatewayRuns, CountTokensService, ResponseCache, CacheHits],
})
export class OpenAiCompatModule {}
