import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MCP_SERVER_ID } from '../../config/mcp-servers-file.js';
import { Optional } from '../../common/optional.js';

/** Adds an MCP server reached over Streamable HTTP (a local command comes only from MCP_SERVERS_FILE). */
export class CreateMcpServerDto {
  /** What runs and key limits name it by (`tools: ["docs/search"]`): lower-case letters, digits, dashes. */
  @ApiProperty({ example: 'docs', pattern: MCP_SERVER_ID.source })
  @Matches(MCP_SERVER_ID, {
    message: 'id must be 1-40 lower-case letters, digits and dashes, starting with a letter or digit',
  })
  id: string;

  /** Shown in listings; default: the id. */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  /** The server's Streamable HTTP endpoint. */
  @ApiProperty({ example: 'https://mcp.example.com/mcp' })
  @Matches(/^https?:\/\/\S{1,2000}$/, { message: 'url must be an http:// or https:// URL' })
  url: string;

  /**
   * Headers sent to the server, each naming the environment variable of this server that holds its
   * value (`{"Authorization": "DOCS_MCP_AUTH"}`): values are never sent to or stored by the API.
   */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'DOCS_MCP_AUTH' },
  })
  @Optional()
  @IsObject()
  headers?: Record<string, string>;
}

/** Changes an added server: a field left out stays. */
export class UpdateMcpServerDto {
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @Optional()
  @Matches(/^https?:\/\/\S{1,2000}$/, { message: 'url must be an http:// or https:// URL' })
  url?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @Optional()
  @IsObject()
  headers?: Record<string, string>;

  /** `false`: runs may not use its tools, and no connection is kept. */
  @Optional()
  @IsBoolean()
  enabled?: boolean;
}

export class McpHealthDto {
  /** `idle`: not connected yet in this process (servers connect on first use). */
  @ApiProperty({ enum: ['connected', 'connecting', 'failed', 'idle', 'disabled'] })
  state: 'connected' | 'connecting' | 'failed' | 'idle' | 'disabled';
  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  listedAt: string | null;
}

export class McpToolDto {
  /** The tool's name on its server; runs name it `server/tool`. */
  name: string;
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  /** The JSON schema of its arguments, as the server gives it. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  inputSchema: Record<string, unknown>;
}

export class McpServerDto {
  id: string;
  name: string;
  @ApiProperty({ enum: ['stdio', 'http'] })
  transport: 'stdio' | 'http';
  /** `file`: MCP_SERVERS_FILE (changed only there); `api`: added through this API. */
  @ApiProperty({ enum: ['file', 'api'] })
  origin: 'file' | 'api';
  @ApiProperty({ type: String, nullable: true })
  url: string | null;
  /** stdio: the command started (from MCP_SERVERS_FILE). */
  @ApiProperty({ type: String, nullable: true })
  command: string | null;
  /** Header name → the environment variable holding its value. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  headers: Record<string, string>;
  enabled: boolean;
  health: McpHealthDto;
}

export class McpServerListDto {
  @ApiProperty({ type: [McpServerDto] })
  items: McpServerDto[];
}

/** A server with the tools it lists now (an empty list and the health's error when it cannot be reached). */
export class McpServerDetailDto extends McpServerDto {
  @ApiProperty({ type: [McpToolDto] })
  tools: McpToolDto[];
}

export class McpServerTestDto {
  ok: boolean;
  /** Connecting and listing, in ms. */
  latencyMs: number;
  /** Tools listed (0 when it failed). */
  tools: number;
  @ApiProperty({ type: String, nullable: true })
  error: string | null;
}
