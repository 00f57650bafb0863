import type { OpenAPIObject } from '@nestjs/swagger';

const SESSION = '665f1c2e8b3e4a0012345678';

/**
 * One request body per operation that takes one, as a client would send it (valid against the
 * body's schema: a test validates each against the request DTO). Keyed by operation id.
 */
export const REQUEST_EXAMPLES: Record<string, Record<string, unknown>> = {
  ApiKeys_create: {
    name: 'ci pipeline',
    role: 'user',
    limits: { models: ['openai/*', 'anthropic/claude-haiku-4-5'], usdPerDay: 5, rpm: 60 },
  },
  ApiKeys_update: { limits: { usdPerMonth: 50, tpm: 100000, rpm: null } },
  Models_update: { enabled: true, pricing: { inputPerMTok: 0.25, outputPerMTok: 2 } },
  ModelAliases_set: { modelId: 'openai/gpt-5.4-mini' },
  Models_test: { prompt: 'Say hello in five words.', maxTokens: 32 },
  Orchestration_start: {
    sessionId: SESSION,
    prompt: 'Write a Python function that merges two sorted lists',
    strategy: 'improve',
    maxIterations: 3,
    qualityThreshold: 8.5,
    evaluators: 2,
  },
  Sessions_create: {
    title: 'Code review assistant',
    settings: { maxIterations: 3, qualityThreshold: 8, costLimitUsd: 0.5, defaultStrategy: 'improve' },
  },
  Sessions_update: { title: 'Code review, week 2', settings: { costLimitUsd: 1 } },
  Sessions_end: { status: 'completed' },
  Threads_create: { sessionId: SESSION, title: 'Linked lists', domain: 'coding' },
  Threads_update: { title: 'Linked lists, reversed' },
  Mcp_create: {
    id: 'docs',
    name: 'Team docs',
    url: 'https://mcp.example.com/mcp',
    headers: [{ name: 'Authorization', variable: 'DOCS_MCP_AUTH' }],
  },
  Mcp_update: { enabled: false },
  Messages_post: { role: 'user', content: 'And the same in Rust?' },
};

/** Puts each operation's example on its JSON request body. */
export function exampleRequests(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.patch, item.put]) {
      const body = operation?.requestBody;
      const example = REQUEST_EXAMPLES[operation?.operationId ?? ''];
      if (body === undefined || !('content' in body) || example === undefined) continue;
      const json = body.content['application/json'];
      if (json !== undefined) json.example = example;
    }
  }
}
