import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = {
  operationId?: string;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { description?: string; content?: Record<string, Record<string, unknown>> }>;
  description?: string;
};

const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;
const ID = '665f1c2e8b3e4a0012345678';
const STATUS_TEXT: Record<string, string> = {
  '400': 'Bad Request',
  '401': 'Unauthorized',
  '403': 'Forbidden',
  '404': 'Not Found',
  '409': 'Conflict',
  '413': 'Payload Too Large',
  '422': 'Unprocessable Entity',
  '429': 'Too Many Requests',
  '503': 'Service Unavailable',
};

/** The object a route looks up, by the path segment before its id (`/api/sessions/{id}` → session). */
const RESOURCES: Record<string, (id: string) => string> = {
  sessions: (id) => `session ${id} not found`,
  threads: (id) => `thread ${id} not found`,
  runs: (id) => `run ${id} not found`,
  keys: (id) => `API key ${id} not found`,
  requests: (id) => `request ${id} not found`,
  'model-aliases': () => 'alias fast not found',
  servers: () => 'MCP server docs not found',
  models: (id) => `Model ${id} is not in the catalogue (ids look like openai/gpt-5.4-mini; GET /api/models lists them)`,
};

/** Routes whose 404 names a session given in the body or the query rather than the path. */
const SESSION_LOOKUPS = new Set(['Orchestration_start', 'Threads_create', 'Threads_list']);

/** The object a 404 of this route names, and the path it is answered at; null: the route answers no 404. */
function notFound(path: string, operation: Operation): { message: string; at: string } | null {
  const param = /\/([a-z-]+)\/\{(\w+)\}/.exec(path);
  const describe = param === null ? undefined : RESOURCES[param[1]];
  if (describe !== undefined) {
    const id = param![1] === 'models' ? 'openai/gpt-9' : ID;
    const at = param![1] === 'models' ? 'openai%2Fgpt-9' : param![1] === 'servers' ? 'docs' : ID;
    return { message: describe(id), at: path.replace(/\{\w+\}/, at) };
  }
  if (SESSION_LOOKUPS.has(operation.operationId ?? '')) return { message: RESOURCES.sessions(ID), at: path };
  return null;
}

/** A PUT makes what its path names; its 404 is for what its body refers to (an alias's model). */
const PUT_TARGET_MISSING =
  'modelId: openai/gpt-0 is neither a catalogue id (GET /api/models) nor orchestratex/<strategy>';

const CONFLICTS: Record<string, string> = {
  Sessions_end: `session ${ID} is already completed`,
  Models_test: 'Provider openai is not configured: set OPENAI_API_KEY to call openai/gpt-5.4-mini',
  Orchestration_cancel: `run ${ID} is succeeded; only a queued or running run can be cancelled`,
  Mcp_create: 'MCP server docs exists',
  Mcp_update: 'MCP server everything comes from MCP_SERVERS_FILE; change it there',
  Mcp_delete: 'MCP server everything comes from MCP_SERVERS_FILE; change it there',
  Mcp_test: 'MCP server docs is disabled; enable it first',
};

function messageOf(status: string, path: string, operation: Operation): string {
  const admin = operation.description?.startsWith('Admin keys only') === true;
  switch (status) {
    case '400':
      if (path.includes('{alias}')) {
        return 'alias must be 1-100 letters, digits or . _ : @ - (no slash), starting with a letter or digit';
      }
      if (path.startsWith('/api/mcp')) {
        return operation.operationId === 'Mcp_create'
          ? 'id must be 1-40 lower-case letters, digits and dashes, starting with a letter or digit'
          : 'property extra should not exist';
      }
      return /\{(id|threadId)\}/.test(path) && !path.startsWith('/api/models')
        ? `${/\{(\w+)\}/.exec(path)![1]} must be a 24-character hexadecimal id, got "abc"`
        : 'property extra should not exist';
    case '401':
      return 'Missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"';
    case '403':
      return admin
        ? 'This endpoint needs an admin key'
        : 'ownerId: a user key sees only its own owner; leave ownerId out';
    case '409':
      return (
        CONFLICTS[operation.operationId ?? ''] ??
        (operation.operationId === 'Sessions_create'
          ? 'A request with this Idempotency-Key is still being answered; retry once it has answered'
          : `session ${ID} is completed; start a new session to continue`)
      );
    case '413':
      return 'The request body is larger than 1048576 bytes (BODY_LIMIT_BYTES)';
    case '422':
      return 'This Idempotency-Key was used with another request body in the last 24 h; use a new key for a new request';
    case '429':
      return operation.operationId === 'Orchestration_start'
        ? 'This API key already has 4 runs going (MAX_RUNS_PER_KEY); wait for one to end or cancel one'
        : 'Too many failed authentications from this address with this key; try again in 60 s';
    case '503':
      return 'The database is unavailable; try again shortly';
    default:
      return STATUS_TEXT[status] ?? 'Error';
  }
}

/**
 * Gives every error response of every operation an example of the envelope it really sends: its
 * status, the message the server writes for that route (the object a 404 names, the conflict a
 * 409 is), the path. A 404 on a route that looks nothing up is taken out (it cannot happen).
 */
export function exampleErrors(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (operation === undefined) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        const json = response.content?.['application/json'];
        if (!/^[45]\d\d$/.test(status) || json === undefined) continue;
        const missing =
          status !== '404'
            ? undefined
            : method === 'put'
              ? { message: PUT_TARGET_MISSING, at: path.replace(/\{\w+\}/, 'fast') }
              : notFound(path, operation);
        if (missing === null) {
          delete operation.responses[status];
          continue;
        }
        json.example = {
          statusCode: Number(status),
          error: STATUS_TEXT[status] ?? 'Error',
          message: missing?.message ?? messageOf(status, path, operation),
          path: missing?.at ?? path.replace(/\{\w+\}/g, path.startsWith('/api/models') ? 'openai%2Fgpt-5.4-mini' : ID),
          timestamp: '2026-12-04T10:00:00.000Z',
          requestId: '5f0c9a58-3f9e-4ad9-9d3c-0c2a1f8e1b7d',
        };
      }
    }
  }
}
