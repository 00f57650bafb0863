import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiTags } from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/error-envelope.js';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { AdminOnly, CurrentPrincipal, type Principal } from '../auth/principal.js';
import {
  CreateMcpServerDto,
  McpServerDetailDto,
  McpServerDto,
  McpServerListDto,
  McpServerTestDto,
  McpToolListDto,
  UpdateMcpServerDto,
} from './dto/mcp-server.dto.js';
import { McpServersService } from './mcp-servers.service.js';

@ApiTags('MCP servers')
@ApiStandardErrors({ adminOnly: true })
@AdminOnly()
@Controller('api/mcp/servers')
export class McpController {
  constructor(private readonly servers: McpServersService) {}

  /** Adds a server reached over Streamable HTTP; a server that runs as a local command comes only from MCP_SERVERS_FILE. */
  @Post()
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'A server of that id exists.' })
  create(@CurrentPrincipal() actor: Principal, @Body() dto: CreateMcpServerDto): Promise<McpServerDto> {
    return this.servers.create(actor, dto);
  }

  /** Every server (MCP_SERVERS_FILE's first), with its health in this process. */
  @Get()
  async list(): Promise<McpServerListDto> {
    return { items: await this.servers.list() };
  }

  /** One server with the tools it lists now. */
  @Get(':id')
  get(@Param('id') id: string): Promise<McpServerDetailDto> {
    return this.servers.get(id);
  }

  /** The server's tools, listed again now, with its health (`failed` and the error when it cannot be reached). */
  @Get(':id/tools')
  async tools(@Param('id') id: string): Promise<McpToolListDto> {
    const { tools, health } = await this.servers.get(id);
    return { items: tools, health };
  }

  /** Connects again and lists the tools: whether it works, how fast, and the error when not. */
  @Post(':id/test')
  @HttpCode(200)
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The server is disabled.' })
  test(@Param('id') id: string): Promise<McpServerTestDto> {
    return this.servers.test(id);
  }

  /** Renames, moves (url, headers), disables or enables an added server. */
  @Patch(':id')
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The server comes from MCP_SERVERS_FILE.' })
  update(
    @CurrentPrincipal() actor: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateMcpServerDto,
  ): Promise<McpServerDto> {
    return this.servers.update(actor, id, dto);
  }

  /** Removes an added server; runs that name it are refused from now on. */
  @Delete(':id')
  @HttpCode(204)
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The server comes from MCP_SERVERS_FILE.' })
  delete(@CurrentPrincipal() actor: Principal, @Param('id') id: string): Promise<void> {
    return this.servers.delete(actor, id);
  }
}
