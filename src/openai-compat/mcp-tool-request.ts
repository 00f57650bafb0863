import { OpenAiError } from './openai-error.js';
import { isRecord, type Json } from './wire-json.js';

/** A Responses request whose `mcp` tools the gateway runs itself: the model, the tools named, the loop's limit. */
export interface McpResponsesPlan {
  id: string;
  body: Json;
  /** `server` or `server/tool` names, as runs and key limits name MCP tools. */
  names: string[];
  stream: boolean;
  maxToolCalls: number;
}

const DEFAULT_MAX_TOOL_CALLS = 8;
const MOST_TOOL_CALLS = 32;

const bad = (param: string, message: string) => new OpenAiError(400, message, { param, code: 'invalid_value' });

/** Fields of OpenAI's `mcp` tool that reach a server the operator did not register, or ask for approvals. */
const UNREGISTERED = ['server_url', 'connector_id', 'tunnel_id', 'authorization', 'headers'];

/** The tool names of one `mcp` tool (`label`, or `label/tool` for each allowed tool), checked. */
export function namesOf(tool: Json, at: string): string[] {
  const label = tool.server_label;
  if (typeof label !== 'string' || label === '') {
    throw bad(
      `${at}.server_label`,
      `${at}.server_label: the id of an MCP server registered here (GET /api/mcp/servers)`,
    );
  }
  for (const field of UNREGISTERED) {
    if (tool[field] !== undefined && tool[field] !== null) {
      throw bad(
        `${at}.${field}`,
        `${at}.${field}: this gateway calls only the MCP servers its operator registered; name one by server_label alone`,
      );
    }
  }
  if (tool.require_approval !== 'never') {
    throw bad(
      `${at}.require_approval`,
      `${at}.require_approval: approvals are not supported; send "never" to have the gateway call the tools itself`,
    );
  }
  const allowed = tool.allowed_tools;
  if (allowed === undefined || allowed === null) return [label];
  const list = Array.isArray(allowed) ? allowed : isRecord(allowed) ? allowed.tool_names : undefined;
  if (isRecord(allowed) && allowed.read_only !== undefined && allowed.read_only !== null) {
    throw bad(`${at}.allowed_tools.read_only`, `${at}.allowed_tools.read_only: not supported; name the tools`);
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== 'string' || t === '')) {
    throw bad(`${at}.allowed_tools`, `${at}.allowed_tools: a non-empty list of the server's tool names`);
  }
  return (list as string[]).map((name) => `${label}/${name}`);
}

/**
 * A Responses request with `mcp` tools, as the gateway runs it (OpenAI's remote MCP tool, with
 * registered servers): null when it has none. Client-side function tools beside them are a 400
 * (the gateway would have to stop its loop for the client), as are approvals.
 */
export function mcpPlanOf(id: string, body: Json): McpResponsesPlan | null {
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : [];
  if (!tools.some((t) => isRecord(t) && t.type === 'mcp')) return null;
  const names: string[] = [];
  tools.forEach((tool, i) => {
    if (!isRecord(tool) || tool.type !== 'mcp') {
      throw bad(
        `tools[${i}]`,
        `tools[${i}]: only mcp tools may be given beside mcp tools (the gateway runs their loop)`,
      );
    }
    names.push(...namesOf(tool, `tools[${i}]`));
  });
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== null && choice !== 'auto') {
    throw bad('tool_choice', 'tool_choice: only "auto" with mcp tools');
  }
  const most = body.max_tool_calls;
  if (
    most !== undefined &&
    most !== null &&
    (!Number.isInteger(most) || (most as number) < 1 || (most as number) > MOST_TOOL_CALLS)
  ) {
    throw bad('max_tool_calls', `max_tool_calls: a whole number from 1 to ${MOST_TOOL_CALLS}`);
  }
  return {
    id,
    body,
    names,
    stream: body.stream === true,
    maxToolCalls: (most as number | null | undefined) ?? DEFAULT_MAX_TOOL_CALLS,
  };
}
