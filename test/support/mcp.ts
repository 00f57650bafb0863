import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { freePort } from './cluster.js';
import { until } from './http.js';

/** The entry point of npm's `@modelcontextprotocol/server-everything` (a dev dependency). */
export const EVERYTHING = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);

/** server-everything over stdio, as MCP_SERVERS_FILE names it. */
export const everythingStdio = (id = 'everything') => ({ id, command: process.execPath, args: [EVERYTHING, 'stdio'] });

/** Writes an MCP_SERVERS_FILE with `servers`; returns its path. */
export function mcpServersFile(servers: Record<string, unknown>[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'orx-mcp-')), 'mcp-servers.json');
  writeFileSync(path, JSON.stringify({ servers }));
  return path;
}

/** server-everything over Streamable HTTP, as its own process on a free port. */
export async function startEverythingHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  await until(
    'server-everything to listen',
    async () => {
      try {
        // Anything but a refused connection: the server listens.
        await fetch(url, { method: 'GET' });
        return true;
      } catch {
        return undefined;
      }
    },
    15_000,
  );
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode !== null ? done(null) : child.once('exit', done)));
    },
  };
}

/**
 * A small MCP server (the official SDK's McpServer over Streamable HTTP, in this process) that
 * counts its calls: `count` answers how often it was called, `fail` is a tool error, `sleep`
 * hangs until the client gives up, `long` answers 5,000 characters. What the tests ask of a tool that no published server offers.
 */
export async function startCountingServer(): Promise<{
  url: string;
  calls: Record<string, number>;
  /** The headers of the last request it was sent. */
  headers: () => Record<string, string | string[] | undefined>;
  stop(): Promise<void>;
}> {
  const calls: Record<string, number> = {};
  let lastHeaders: Record<string, string | string[] | undefined> = {};
  const counted = (tool: string) => (calls[tool] = (calls[tool] ?? 0) + 1);
  const build = () => {
    const server = new McpServer({ name: 'counting', version: '1.0.0' });
    server.registerTool(
      'count',
      { description: 'Counts its calls', inputSchema: { label: z.string().describe('A label') } },
      ({ label }) => ({ content: [{ type: 'text', text: `call ${counted('count')} (${label})` }] }),
    );
    server.registerTool('long', { description: 'A long result', inputSchema: { label: z.string() } }, () => {
      counted('long');
      return { content: [{ type: 'text', text: 'x'.repeat(5000) }] };
    });
    server.registerTool('fail', { description: 'Always fails', inputSchema: { reason: z.string() } }, () => {
      counted('fail');
      return { content: [{ type: 'text', text: 'the disk is on fire' }], isError: true };
    });
    server.registerTool(
      'sleep',
      { description: 'Never answers in time', inputSchema: { label: z.string() } },
      async (_args, extra) => {
        counted('sleep');
        await new Promise((done) => {
          const timer = setTimeout(done, 120_000);
          extra.signal.addEventListener('abort', () => (clearTimeout(timer), done(null)));
        });
        return { content: [{ type: 'text', text: 'woke up' }] };
      },
    );
    return server;
  };
  const http: Server = createServer((req, res) => {
    // Stateless: a server and a transport per request, as the SDK's stateless example does.
    lastHeaders = { ...req.headers };
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close().then(() => server.close()));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  const port = await freePort();
  await new Promise<void>((done) => http.listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    headers: () => lastHeaders,
    stop: () =>
      new Promise<void>((done) => {
        http.closeAllConnections();
        http.close(() => done());
      }),
  };
}
