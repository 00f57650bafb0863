import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { McpClients } from './mcp-clients.js';
import { McpServerRecord, McpServerSchema } from './mcp-server.schema.js';
import { McpServersRepository } from './mcp-servers.repository.js';
import { McpServersService } from './mcp-servers.service.js';
import { McpToolsService } from './mcp-tools.service.js';

/** MCP servers as a resource: the operator's file and the added ones, their clients, the tools runs use (no HTTP: a worker boots it). */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: McpServerRecord.name, schema: McpServerSchema }]),
    AuditModule,
    AuthModule,
  ],
  providers: [McpClients, McpServersRepository, McpServersService, McpToolsService],
  exports: [McpToolsService, McpServersService],
})
export class McpModule {}
