import { HttpException, Injectable, Logger } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { KeyCheck } from '../../auth/key-check.js';
import type { Principal } from '../../auth/principal.js';
import { sendError } from '../../common/all-exceptions.filter.js';
import { AppConfig } from '../../config/app-config.js';
import { StrategyToolCalls, type ToolAnswer } from './strategy-tool-calls.js';
import { endpointTools } from './strategy-tools.js';

const VERSION = '0.1.0';

/**
 * `/mcp`: OrchestrateX as an MCP server over Streamable HTTP (the official SDK's transport, stateless:
 * a server per request), for Claude Desktop, Claude Code, Cursor or any agent. The same API keys as
 * the REST API (`Authorization: Bearer`), checked before the body is read. Each strategy is a tool;
 * a run's stages come as progress notifications while it runs.
 */
@Injectable()
export class McpEndpoint {
  private readonly logger = new Logger(McpEndpoint.name);

  constructor(
    private readonly keyCheck: KeyCheck,
    private readonly calls: StrategyToolCalls,
    private readonly config: AppConfig,
  ) {}

  /** Adds `POST /mcp` (stateless: a GET or DELETE is a 405 naming POST, as the specification allows). */
  register(fastify: FastifyInstance): void {
    void fastify.register((scope, _options, done) => {
      scope.addHook('onRequest', async (request, reply) => {
        request.principal = await this.keyCheck.check(request, reply.raw);
      });
      scope.setErrorHandler((error, request, reply) => sendError(error, request, reply, this.config.bodyLimitBytes));
      scope.post('/mcp', async (request, reply) => {
        const principal = request.principal as Principal;
        const server = this.server(principal);
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        reply.hijack();
        reply.raw.on('close', () => void transport.close().then(() => server.close()));
        await server.connect(transport);
        await transport.handleRequest(request.raw, reply.raw, request.body);
      });
      done();
    });
  }

  /** An MCP server for one request of `principal`: its tools list, and calls run as that key. */
  private server(principal: Principal): Server {
    const server = new Server(
      { name: 'orchestratex', version: VERSION },
      {
        capabilities: { tools: {} },
        instructions:
          'Each orchestrate_<strategy> tool has a team of language models answer a prompt; the answer comes with its provenance. list_models names the models a run may use; get_run reads a run again.',
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: endpointTools() }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const progressToken = request.params._meta?.progressToken;
      const progress =
        progressToken === undefined
          ? undefined
          : (n: number, message: string) =>
              void extra
                .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: n, message } })
                .catch(() => undefined);
      try {
        return (await this.calls.call(
          principal,
          request.params.name,
          request.params.arguments ?? {},
          extra.signal,
          progress,
        )) as ToolAnswer & Record<string, unknown>;
      } catch (error) {
        // A refusal (a bad option, a limit, an unknown run) is the tool's error, which the agent reads.
        if (error instanceof HttpException)
          return { content: [{ type: 'text', text: messageOf(error) }], isError: true };
        this.logger.error(
          `MCP tool ${request.params.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return { content: [{ type: 'text', text: 'The tool failed on the server; see its log' }], isError: true };
      }
    });
    return server;
  }
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  const message =
    typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return `${error.getStatus()}: ${Array.isArray(message) ? message.join('; ') : String(message)}`;
}
