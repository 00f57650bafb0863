import { Module } from '@nestjs/common';
import { McpController } from './mcp.controller.js';
import { McpModule } from './mcp.module.js';

/** `/api/mcp/servers`: admins add, list, test, disable and remove MCP servers. */
@Module({
  imports: [McpModule],
  controllers: [McpController],
})
export class McpApiModule {}
