import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ThreadsModule } from '../threads/threads.module.js';
import { OrchestrationGateway } from './orchestration.gateway.js';
import { OrchestrationModule } from './orchestration.module.js';

/**
 * The /orchestration Socket.IO namespace. Left out with SOCKET_IO=false (an instance that serves
 * only HTTP: SSE, `?wait=true` and `/v1` streams follow runs through the event bus alone).
 */
@Module({
  imports: [OrchestrationModule, AnalyticsModule, SessionsModule, ThreadsModule],
  providers: [OrchestrationGateway],
})
export class SocketsModule {}
