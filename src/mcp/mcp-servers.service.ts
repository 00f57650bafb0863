import { ConflictException, Injectable, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { AppConfig } from '../config/app-config.js';
import type { McpServerSettings } from '../config/mcp-servers-file.js';
import type {
  CreateMcpServerDto,
  McpHeaderDto,
  McpServerDetailDto,
  McpServerDto,
  McpServerTestDto,
  UpdateMcpServerDto,
} from './dto/mcp-server.dto.js';
import { McpClients, type McpTool } from './mcp-clients.js';
import type { McpServerRecord } from './mcp-server.schema.js';
import { McpServersRepository } from './mcp-servers.repository.js';

const settingsOf = (record: McpServerRecord): McpServerSettings => ({
  id: record._id,
  name: record.name,
  transport: 'http',
  args: [],
  env: [],
  url: record.url,
  headers: Object.fromEntries((record.headers ?? []).map((h) => [h.name, h.variable])),
  origin: 'api',
  enabled: record.enabled,
});

/** The API's header list as stored: each name once (a later one wins), in the order given. */
const headerList = (headers: McpHeaderDto[] | undefined): { name: string; variable: string }[] => [
  ...new Map((headers ?? []).map((h) => [h.name.toLowerCase(), { name: h.name, variable: h.variable }])).values(),
];

/** What the audit trail keeps of a server: its settings, which hold no secret (headers name variables). */
const audited = (record: McpServerRecord | null) =>
  record && { name: record.name, url: record.url, headers: record.headers, enabled: record.enabled };

/**
 * The MCP servers: the operator's (MCP_SERVERS_FILE, read-only here) and those admins add over
 * the API (Streamable HTTP only). Every process reads an added server from the database when it
 * needs it, so a worker uses a server added on another instance.
 */
@Injectable()
export class McpServersService implements OnApplicationBootstrap {
  private readonly fromFile: Map<string, McpServerSettings>;

  constructor(
    config: AppConfig,
    private readonly repository: McpServersRepository,
    private readonly clients: McpClients,
    private readonly audit: AuditService,
  ) {
    this.fromFile = new Map(config.mcp.servers.map((s) => [s.id, s]));
  }

  /**
   * Lists every enabled server's tools at start, in the background (never holding the start up):
   * their health is known before the first run needs them, and a server that cannot be reached
   * says why in its health and the log.
   */
  onApplicationBootstrap(): void {
    void (async () => {
      const added = await this.repository.findAll().catch(() => []);
      const all = [...this.fromFile.values(), ...added.map(settingsOf).filter((s) => !this.fromFile.has(s.id))];
      await Promise.all(all.filter((s) => s.enabled).map((s) => this.clients.tools(s).catch(() => undefined)));
    })();
  }

  /** A server's settings, or undefined when there is none of that id. */
  async find(id: string): Promise<McpServerSettings | undefined> {
    const file = this.fromFile.get(id);
    if (file !== undefined) return file;
    const record = await this.repository.findById(id);
    return record === null ? undefined : settingsOf(record);
  }

  async require(id: string): Promise<McpServerSettings> {
    const found = await this.find(id);
    if (found === undefined) throw new NotFoundException(`MCP server ${id} not found`);
    return found;
  }

  /** A server's tools (listed on first use, or again with `refresh`). */
  tools(settings: McpServerSettings, refresh = false): Promise<McpTool[]> {
    return this.clients.tools(settings, refresh);
  }

  async list(): Promise<McpServerDto[]> {
    const added = (await this.repository.findAll()).map(settingsOf).filter((s) => !this.fromFile.has(s.id));
    return [...this.fromFile.values(), ...added].map((s) => this.toDto(s));
  }

  /** A server with its tools, listed now; a server that cannot be reached shows none and says why in its health. */
  async get(id: string): Promise<McpServerDetailDto> {
    const settings = await this.require(id);
    let tools: McpTool[] = [];
    if (settings.enabled) tools = await this.clients.tools(settings, true).catch(() => []);
    return { ...this.toDto(settings), tools };
  }

  /** Connects (again) and lists the tools, timed; a failure is the answer, not an error. */
  async test(id: string): Promise<McpServerTestDto> {
    const settings = await this.require(id);
    if (!settings.enabled) throw new ConflictException(`MCP server ${id} is disabled; enable it first`);
    await this.clients.forget(id);
    const started = performance.now();
    try {
      const tools = await this.clients.tools(settings, true);
      return { ok: true, latencyMs: Math.round(performance.now() - started), tools: tools.length, error: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, latencyMs: Math.round(performance.now() - started), tools: 0, error: message };
    }
  }

  async create(actor: Principal, dto: CreateMcpServerDto): Promise<McpServerDto> {
    if (this.fromFile.has(dto.id)) throw new ConflictException(`MCP server ${dto.id} exists (in MCP_SERVERS_FILE)`);
    const record = {
      _id: dto.id,
      name: dto.name ?? dto.id,
      url: dto.url,
      headers: headerList(dto.headers),
      enabled: true,
    };
    if (!(await this.repository.insert(record))) throw new ConflictException(`MCP server ${dto.id} exists`);
    await this.audit.record(
      actor,
      'mcp_server.created',
      { type: 'mcp_server', id: dto.id },
      null,
      audited(record as McpServerRecord),
    );
    return this.toDto(settingsOf(record as McpServerRecord));
  }

  async update(actor: Principal, id: string, dto: UpdateMcpServerDto): Promise<McpServerDto> {
    const before = await this.requireAdded(id);
    const { headers, ...rest } = dto;
    const updated = await this.repository.update(id, {
      ...rest,
      ...(headers === undefined ? {} : { headers: headerList(headers) }),
    });
    if (updated === null) throw new NotFoundException(`MCP server ${id} not found`);
    await this.clients.forget(id);
    await this.audit.record(actor, 'mcp_server.updated', { type: 'mcp_server', id }, audited(before), audited(updated));
    return this.toDto(settingsOf(updated));
  }

  async delete(actor: Principal, id: string): Promise<void> {
    const before = await this.requireAdded(id);
    if (!(await this.repository.delete(id))) throw new NotFoundException(`MCP server ${id} not found`);
    await this.clients.forget(id);
    await this.audit.record(actor, 'mcp_server.deleted', { type: 'mcp_server', id }, audited(before), null);
  }

  private async requireAdded(id: string): Promise<McpServerRecord> {
    if (this.fromFile.has(id)) {
      throw new ConflictException(`MCP server ${id} comes from MCP_SERVERS_FILE; change it there`);
    }
    const record = await this.repository.findById(id);
    if (record === null) throw new NotFoundException(`MCP server ${id} not found`);
    return record;
  }

  private toDto(s: McpServerSettings): McpServerDto {
    const health = this.clients.health(s);
    return {
      id: s.id,
      name: s.name,
      transport: s.transport,
      origin: s.origin,
      url: s.url ?? null,
      command: s.command ?? null,
      headers: Object.entries(s.headers).map(([name, variable]) => ({ name, variable })),
      enabled: s.enabled,
      health: { ...health, listedAt: health.listedAt?.toISOString() ?? null },
    };
  }
}
