import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { HEADER_NAME, MCP_SERVER_ID, VARIABLE_NAME } from '../../config/mcp-servers-file.js';
import { Optional } from '../../common/optional.js';
import { RequireSome } from '../../common/require-some.js';

/** A header sent to the server: its name, and the environment variable of this server holding its value. */
export class McpHeaderDto {
  @ApiProperty({ pattern: HEADER_NAME.source, example: 'Authorization' })
  @Matches(HEADER_NAME, { message: "headers: each name must be a header name (letters, digits and !#$%&'*+.^_`|~-)" })
  name: string;

  /** Never the value: the variable is read by the server when it connects. */
  @ApiProperty({ pattern: VARIABLE_NAME.source, example: 'DOCS_MCP_AUTH' })
  @Matches(VARIABLE_NAME, {
    message:
      'headers: each variable must name the environment variable holding the value (A-Z, 0-9, _), never the value',
  })
  variable: string;
}

/** Headers as the API takes them: a list (a later name wins over an earlier one). */
const headerList = (): PropertyDecorator => (target, key) => {
  ApiProperty({ type: [McpHeaderDto], required: false, maxItems: 20 })(target, key);
  Optional()(target, key);
  IsArray()(target, key);
  ArrayMaxSize(20)(target, key);
  ValidateNested({ each: true })(target, key);
  Type(() => McpHeaderDto)(target, key);
};

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
   * value: values are never sent to or stored by the API.
   */
  @headerList()
  headers?: McpHeaderDto[];
}

/** Changes an added server: a field left out stays. */
@RequireSome('name', 'url', 'headers', 'enabled')
export class UpdateMcpServerDto {
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @Optional()
  @Matches(/^https?:\/\/\S{1,2000}$/, { message: 'url must be an http:// or https:// URL' })
  url?: string;

  /** Replaces the headers (an empty list: none). */
  @headerList()
  headers?: McpHeaderDto[];

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
  /** The headers sent, each with the environment variable holding its value. */
  @ApiProperty({ type: [McpHeaderDto] })
  headers: McpHeaderDto[];
  enabled: boolean;
  health: McpHealthDto;
}

export class McpToolListDto {
  @ApiProperty({ type: [McpToolDto] })
  items: McpToolDto[];
  /** Whether they could be listed now: `failed` with `lastError` (and no items) when the server cannot be reached. */
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
