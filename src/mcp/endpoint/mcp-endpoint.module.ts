import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module.js';
import { ModelsModule } from '../../models/models.module.js';
import { OrchestrationModule } from '../../orchestration/orchestration.module.js';
import { SessionsModule } from '../../sessions/sessions.module.js';
import { McpEndpoint } from './mcp-endpoint.js';
import { StrategyToolCalls } from './strategy-tool-calls.js';

/** `/mcp`: the strategies as MCP tools for other agents (registered on Fastify by createApp). */
@Module({
  imports: [AuthModule, OrchestrationModule, SessionsModule, ModelsModule],
  providers: [McpEndpoint, StrategyToolCalls],
})
export class McpEndpointModule {}
