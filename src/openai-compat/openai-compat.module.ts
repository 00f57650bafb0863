import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { McpModule } from '../mcp/mcp.module.js';
import { ModelsModule } from '../models/models.module.js';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThreadsModule } from '../threads/threads.module.js';
import { CacheHits } from './cache-hits.js';
import { CountTokensService } from './count-tokens.service.js';
import { ChatCompletionsDialect } from './dialects/chat-completions.dialect.js';
import { EmbeddingsDialect } from './dialects/embeddings.dialect.js';
import { MessagesDialect } from './dialects/messages.dialect.js';
import { ResponsesDialect } from './dialects/responses.dialect.js';
import { GatewayModels } from './gateway-models.js';
import { GatewayRoutes } from './gateway-routes.js';
import { GatewayRuns } from './gateway-runs.service.js';
import { McpResponses } from './mcp-responses.service.js';
import { GatewayRelay } from './relay.js';
import { ResponseCache } from './response-cache.js';
import { SemanticCache } from './semantic-cache.js';

/** The `/v1` gateway: its routes are Fastify's own (GatewayRoutes, added by createApp), not a Nest controller. */
@Module({
  imports: [
    AnalyticsModule,
    IdempotencyModule,
    McpModule,
    ModelsModule,
    OrchestrationModule,
    ProvidersModule,
    SessionsModule,
    ThreadsModule,
  ],
  providers: [
    ChatCompletionsDialect,
    MessagesDialect,
    ResponsesDialect,
    EmbeddingsDialect,
    GatewayModels,
    GatewayRelay,
    GatewayRuns,
    GatewayRoutes,
    McpResponses,
    CountTokensService,
    ResponseCache,
    SemanticCache,
    CacheHits,
  ],
})
export class OpenAiCompatModule {}
