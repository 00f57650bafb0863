import { performance } from 'node:perf_hooks';
import type { McpServerSettings } from '../config/mcp-servers-file.js';
import type { ToolDefinition } from '../providers/provider.types.js';
import type { McpClients } from './mcp-clients.js';

/** How a tool call ended, for the model, the run's events and analytics. */
export type ToolErrorClass =
  'tool_error' | 'timeout' | 'unavailable' | 'bad_arguments' | 'unknown_tool' | 'cancelled' | 'limit_reached';

/** One tool call's outcome: the text the model is shown, and what happened. */
export interface ToolOutcome {
  /** `server/tool`, or the name the model wrote when it named no tool offered. */
  tool: string;
  text: string;
  /** null: the tool answered; else why the call is an error the model sees. */
  errorClass: ToolErrorClass | null;
  durationMs: number;
  /** The result was longer than MCP_RESULT_MAX_CHARS and was cut. */
  truncated: boolean;
}

/** A tool offered to a model: its function name on the wire, and where it lives. */
export interface OfferedTool {
  definition: ToolDefinition;
  server: McpServerSettings;
  tool: string;
}

/** A model's function names: `server__tool`, in the characters and length every provider accepts. */
export function functionName(server: string, tool: string): string {
  return `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/**
 * The tools of one run (or one request), as models see them and as they are called: arguments
 * checked to be a JSON object, each call held to a timeout, its result cut to a size; every
 * failure (the server down, a timeout, the tool's own error) is an outcome the model is shown,
 * never an exception.
 */
export class ToolBox {
  private readonly byName: Map<string, OfferedTool>;

  constructor(
    readonly offered: OfferedTool[],
    private readonly clients: McpClients,
    private readonly limits: { timeoutMs: number; resultMaxChars: number },
    /** Tools named but left out (their server could not be reached when the box was made), with why. */
    readonly unavailable: string[] = [],
  ) {
    this.byName = new Map(offered.map((t) => [t.definition.name, t]));
  }

  get definitions(): ToolDefinition[] {
    return this.offered.map((t) => t.definition);
  }

  /** The tool offered under a function name the model used, if any. */
  find(name: string): OfferedTool | undefined {
    return this.byName.get(name);
  }

  /** `server/tool` of a function name the model used, or the name itself when no such tool is offered. */
  toolOf(name: string): string {
    const offered = this.byName.get(name);
    return offered === undefined ? name : `${offered.server.id}/${offered.tool}`;
  }

  async execute(name: string, argumentsText: string, signal: AbortSignal): Promise<ToolOutcome> {
    const started = performance.now();
    const offered = this.byName.get(name);
    const done = (text: string, errorClass: ToolErrorClass | null): ToolOutcome => {
      const cut = text.length > this.limits.resultMaxChars;
      return {
        tool: this.toolOf(name),
        text: cut
          ? `${text.slice(0, this.limits.resultMaxChars)}\n[result cut at ${this.limits.resultMaxChars} of ${text.length} characters]`
          : text,
        errorClass,
        durationMs: Math.round(performance.now() - started),
        truncated: cut,
      };
    };
    if (offered === undefined) {
      return done(`No tool named ${name} is offered (offered: ${[...this.byName.keys()].join(', ')})`, 'unknown_tool');
    }
    let args: unknown;
    try {
      args = JSON.parse(argumentsText.trim() === '' ? '{}' : argumentsText);
    } catch {
      return done(`The arguments are not valid JSON: ${argumentsText.slice(0, 200)}`, 'bad_arguments');
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return done('The arguments must be a JSON object', 'bad_arguments');
    }
    try {
      const result = await this.clients.call(
        offered.server,
        offered.tool,
        args as Record<string, unknown>,
        this.limits.timeoutMs,
        signal,
      );
      return done(result.text, result.isError ? 'tool_error' : null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (signal.aborted) return done('The run was cancelled while the tool ran', 'cancelled');
      if (/timed? ?out/i.test(message)) {
        return done(`The tool did not answer within ${this.limits.timeoutMs} ms`, 'timeout');
      }
      // An MCP protocol error (invalid params, an exception in the tool) is the tool's; no connection is the server's.
      const unreachable = /cannot connect|closed|not connected|ECONNREFUSED|fetch failed/i.test(message);
      return done(
        unreachable ? `The tool's server cannot be reached: ${message}` : `The tool failed: ${message}`,
        unreachable ? 'unavailable' : 'tool_error',
      );
    }
  }
}
