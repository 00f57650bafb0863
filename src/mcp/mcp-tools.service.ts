import { BadRequestException, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { AppConfig } from '../config/app-config.js';
import type { McpServerSettings } from '../config/mcp-servers-file.js';
import { McpClients, type McpTool } from './mcp-clients.js';
import { McpServersService } from './mcp-servers.service.js';
import { functionName, ToolBox, type OfferedTool } from './tool-box.js';

/** Tools named as a run or a request names them: `server` (all its tools) or `server/tool`. */
const split = (name: string) => {
  const at = name.indexOf('/');
  return at < 0 ? { server: name, tool: null } : { server: name.slice(0, at), tool: name.slice(at + 1) };
};

/**
 * Turns the tools a run names into the ones it may use (checked against the servers and the key's
 * limits, when the run is asked for) and into a ToolBox (when it executes, in whichever process).
 */
@Injectable()
export class McpToolsService {
  private readonly logger = new Logger(McpToolsService.name);

  constructor(
    private readonly servers: McpServersService,
    private readonly clients: McpClients,
    private readonly limits: KeyLimitsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * The `server/tool` names `names` stand for, each checked: a 400 naming an unknown or disabled
   * server or an unknown tool, a 403 naming a tool the key may not use, a 503 naming a server that
   * cannot be reached to list its tools.
   */
  async resolve(names: string[], keyId: string | null, field = 'tools'): Promise<string[]> {
    const resolved = new Set<string>();
    for (const name of names) {
      const { server: id, tool } = split(name);
      const settings = await this.servers.find(id);
      if (settings === undefined) {
        throw new BadRequestException(`${field}: no MCP server ${id} (GET /api/mcp/servers lists them)`);
      }
      if (!settings.enabled) throw new BadRequestException(`${field}: MCP server ${id} is disabled`);
      const listed = await this.listed(settings);
      if (tool !== null && !listed.some((t) => t.name === tool)) {
        throw new BadRequestException(
          `${field}: MCP server ${id} has no tool ${tool} (it has: ${listed.map((t) => t.name).join(', ') || 'none'})`,
        );
      }
      for (const t of tool === null ? listed : listed.filter((l) => l.name === tool)) resolved.add(`${id}/${t.name}`);
    }
    const all = [...resolved].sort();
    await this.limits.requireTools(keyId, all.map(split) as { server: string; tool: string }[]);
    return all;
  }

  /**
   * The tool box of `names` (`server/tool`, as `resolve` gave them), for a run executing now: a
   * server that cannot be reached leaves its tools out, said in `unavailable`.
   */
  async toolBox(names: string[]): Promise<ToolBox> {
    const offered: OfferedTool[] = [];
    const unavailable: string[] = [];
    const byServer = new Map<string, string[]>();
    for (const name of names) {
      const { server, tool } = split(name);
      byServer.set(server, [...(byServer.get(server) ?? []), tool ?? '']);
    }
    for (const [id, tools] of byServer) {
      const settings = await this.servers.find(id);
      let listed: McpTool[];
      try {
        if (settings === undefined || !settings.enabled) throw new Error('removed or disabled');
        listed = await this.clients.tools(settings);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        this.logger.warn(`Tools of MCP server ${id} left out of a run: ${why}`);
        unavailable.push(...tools.map((t) => `${id}/${t}: ${why}`));
        continue;
      }
      for (const tool of tools) {
        const found = listed.find((t) => t.name === tool);
        if (found === undefined) {
          unavailable.push(`${id}/${tool}: the server no longer lists it`);
          continue;
        }
        offered.push({
          server: settings,
          tool,
          definition: {
            name: functionName(id, tool),
            description: found.description ?? undefined,
            parameters: found.inputSchema,
          },
        });
      }
    }
    const { toolTimeoutMs: timeoutMs, resultMaxChars } = this.config.mcp;
    return new ToolBox(offered, this.clients, { timeoutMs, resultMaxChars }, unavailable);
  }

  /** The tools server `id` lists (as listed last in this process). */
  async listedTools(id: string): Promise<McpTool[]> {
    return this.listed(await this.servers.require(id));
  }

  private async listed(settings: McpServerSettings): Promise<McpTool[]> {
    try {
      return await this.clients.tools(settings);
    } catch (error) {
      throw new ServiceUnavailableException(
        `MCP server ${settings.id} cannot be reached to list its tools: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
