import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { variablesOf, type McpServerSettings } from '../config/mcp-servers-file.js';
import { redactSecrets, registerSecrets } from '../common/secrets.js';

/** A tool as a server lists it: its name, what it does, its input's JSON schema. */
export interface McpTool {
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
}

/** How a server stands in this process. */
export interface McpHealth {
  state: 'connected' | 'connecting' | 'failed' | 'idle' | 'disabled';
  /** The last connection or listing error (never a header value or an environment value). */
  lastError: string | null;
  /** When its tools were last listed. */
  listedAt: Date | null;
}

/** What a tool call gave: its text (what the model sees), whether the server marked it an error. */
export interface McpCallResult {
  text: string;
  isError: boolean;
}

interface Connection {
  settings: McpServerSettings;
  client: Client | null;
  opening: Promise<Client> | null;
  tools: McpTool[] | null;
  health: McpHealth;
}

const CONNECT_TIMEOUT_MS = 15_000;
const LIST_TIMEOUT_MS = 10_000;

const messageOf = (error: unknown) => redactSecrets(error instanceof Error ? error.message : String(error));

/** The text of a tool result's content: text parts as they are, anything else named by its type. */
function textOfContent(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: string; text?: string; resource?: { uri?: string; text?: string }; mimeType?: string }) => {
      if (part.type === 'text') return part.text ?? '';
      if (part.type === 'resource') return part.resource?.text ?? `[resource ${part.resource?.uri ?? ''}]`;
      return `[${part.type ?? 'content'}${part.mimeType ? ` ${part.mimeType}` : ''}]`;
    })
    .join('\n');
}

/**
 * This process's MCP clients, one per server, through the official SDK: connected on first use
 * (stdio servers started then, with only the variables their settings name), their tools listed
 * and kept, a broken connection dropped so the next use connects again.
 */
@Injectable()
export class McpClients implements OnApplicationShutdown {
  private readonly logger = new Logger(McpClients.name);
  private readonly connections = new Map<string, Connection>();
  /** Shutting down: no connection opens any more, and one that opens late is closed at once. */
  private closed = false;

  /** Forgets a server whose settings changed or that was removed (closing its connection). */
  async forget(id: string): Promise<void> {
    const connection = this.connections.get(id);
    this.connections.delete(id);
    await connection?.client?.close().catch(() => undefined);
  }

  health(settings: McpServerSettings): McpHealth {
    if (!settings.enabled) return { state: 'disabled', lastError: null, listedAt: null };
    return this.connections.get(settings.id)?.health ?? { state: 'idle', lastError: null, listedAt: null };
  }

  /** The server's tools: listed once, or again when `refresh`. */
  async tools(settings: McpServerSettings, refresh = false): Promise<McpTool[]> {
    const connection = this.connectionOf(settings);
    if (connection.tools !== null && !refresh) return connection.tools;
    try {
      const client = await this.client(connection);
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: LIST_TIMEOUT_MS });
        for (const t of page.tools) {
          tools.push({
            name: t.name,
            description: t.description ?? null,
            inputSchema: t.inputSchema,
          });
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      connection.tools = tools;
      connection.health = { state: 'connected', lastError: null, listedAt: new Date() };
      return tools;
    } catch (error) {
      this.failed(connection, error);
      throw new Error(`MCP server ${settings.id}: ${messageOf(error)}`, { cause: error });
    }
  }

  /**
   * Calls one tool; a failure to reach the server, a timeout or an abort is thrown (the caller
   * tells the model), a tool's own error comes back with `isError`.
   */
  async call(
    settings: McpServerSettings,
    tool: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<McpCallResult> {
    const connection = this.connectionOf(settings);
    const client = await this.client(connection);
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: timeoutMs,
        maxTotalTimeout: timeoutMs,
        signal,
      });
      const structured = result.structuredContent === undefined ? '' : JSON.stringify(result.structuredContent);
      const text = textOfContent(result.content);
      return { text: text === '' ? structured : text, isError: result.isError === true };
    } catch (error) {
      // A closed transport is a broken connection: the next call connects again.
      if (connection.client !== null && /closed|not connected|ECONNREFUSED|fetch failed/i.test(messageOf(error))) {
        this.failed(connection, error);
      }
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    // A connection being opened is waited for, so that it is closed with the others.
    const opening = [...this.connections.values()].flatMap((c) => (c.opening === null ? [] : [c.opening]));
    await Promise.allSettled(opening);
    await Promise.all([...this.connections.keys()].map((id) => this.forget(id)));
  }

  private connectionOf(settings: McpServerSettings): Connection {
    let connection = this.connections.get(settings.id);
    // Settings read again from the database are new objects: only a real change opens a new connection.
    if (connection !== undefined && connection.settings !== settings) {
      if (JSON.stringify(connection.settings) === JSON.stringify(settings)) connection.settings = settings;
    }
    if (connection === undefined || connection.settings !== settings) {
      if (connection !== undefined) void connection.client?.close().catch(() => undefined);
      connection = {
        settings,
        client: null,
        opening: null,
        tools: null,
        health: { state: 'idle', lastError: null, listedAt: null },
      };
      this.connections.set(settings.id, connection);
    }
    return connection;
  }

  private failed(connection: Connection, error: unknown): void {
    const client = connection.client;
    connection.client = null;
    connection.opening = null;
    connection.tools = null;
    connection.health = { state: 'failed', lastError: messageOf(error), listedAt: connection.health.listedAt };
    void client?.close().catch(() => undefined);
    this.logger.warn(`MCP server ${connection.settings.id}: ${messageOf(error)}`);
  }

  private client(connection: Connection): Promise<Client> {
    if (connection.client !== null) return Promise.resolve(connection.client);
    if (this.closed) return Promise.reject(new Error('the server is shutting down'));
    connection.opening ??= this.open(connection).then(
      (client) => {
        connection.client = client;
        connection.opening = null;
        return client;
      },
      (error: unknown) => {
        this.failed(connection, error);
        throw new Error(`cannot connect: ${messageOf(error)}`);
      },
    );
    connection.health = { ...connection.health, state: 'connecting' };
    return connection.opening;
  }

  private async open(connection: Connection): Promise<Client> {
    const client = new Client({ name: 'orchestratex', version: '0.1.0' });
    const transport = this.transportOf(connection.settings);
    client.onclose = () => {
      if (connection.client === client) {
        connection.client = null;
        connection.tools = null;
        connection.health = { ...connection.health, state: 'idle' };
      }
    };
    await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
    connection.health = { ...connection.health, state: 'connected', lastError: null };
    return client;
  }

  private transportOf(settings: McpServerSettings): Transport {
    if (settings.transport === 'stdio') {
      return new StdioClientTransport({
        command: settings.command ?? '',
        args: settings.args,
        cwd: settings.cwd,
        env: variablesOf(settings.env),
        stderr: 'ignore',
      });
    }
    const headers: Record<string, string> = {};
    const values = variablesOf(Object.values(settings.headers));
    for (const [header, variable] of Object.entries(settings.headers)) {
      const value = values[variable];
      if (value === undefined) throw new Error(`the variable ${variable} (header ${header}) is not set`);
      registerSecrets([value]);
      headers[header] = value;
    }
    return new StreamableHTTPClientTransport(new URL(settings.url ?? ''), { requestInit: { headers } });
  }
}
