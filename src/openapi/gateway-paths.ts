import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

const GATEWAY = 'gateway (/v1)';
const string = (description: string): Json => ({ type: 'string', description });
const open = (description: string, properties: Record<string, Json>, required: string[]): Json => ({
  type: 'object',
  description,
  properties,
  ...(required.length > 0 && { required }),
  // Clients send many more fields; forwarded to a provider of the same protocol, translated or
  // refused with a 400 naming them on another.
  additionalProperties: true,
});

const MODEL = string(
  'A catalogue id (`openai/gpt-5.4-mini`) or `orchestratex/<strategy>` (GET /v1/models lists them).',
);
const STREAM: Json = { type: 'boolean', description: 'Server-sent events instead of one JSON answer.' };

const OPENAI_ERROR: Json = {
  description: 'OpenAI’s error shape, whatever the provider behind the model.',
  content: {
    'application/json': {
      schema: open(
        'An error',
        {
          error: open(
            'What went wrong',
            { message: string('What went wrong, naming the field'), type: string('invalid_request_error, …') },
            ['message', 'type'],
          ),
        },
        ['error'],
      ),
      example: {
        error: {
          message: "The model 'openai/gpt-9' does not exist (GET /v1/models lists them)",
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      },
    },
  },
};

const ANTHROPIC_ERROR: Json = {
  description: 'Anthropic’s error shape.',
  content: {
    'application/json': {
      schema: open('An error', { type: string('error'), error: open('What went wrong', {}, []) }, ['type', 'error']),
      example: {
        type: 'error',
        error: {
          type: 'not_found_error',
          message: "The model 'openai/gpt-9' does not exist (GET /v1/models lists them)",
        },
      },
    },
  },
};

function post(
  operationId: string,
  summary: string,
  description: string,
  [body, example]: [Json, Json],
  answer: Json,
  anthropic = false,
): Json {
  return {
    post: {
      tags: [GATEWAY],
      operationId,
      summary,
      description,
      requestBody: { required: true, content: { 'application/json': { schema: body, example } } },
      responses: {
        '200': {
          description: 'The answer; with `stream: true`, server-sent events in the same protocol.',
          content: { 'application/json': { schema: answer }, 'text/event-stream': { schema: { type: 'string' } } },
        },
        '400': anthropic ? ANTHROPIC_ERROR : OPENAI_ERROR,
        '401': anthropic ? ANTHROPIC_ERROR : OPENAI_ERROR,
        '403': anthropic ? ANTHROPIC_ERROR : OPENAI_ERROR,
        '404': anthropic ? ANTHROPIC_ERROR : OPENAI_ERROR,
        '429': anthropic ? ANTHROPIC_ERROR : OPENAI_ERROR,
        '502': anthropic ? ANTHROPIC_ERROR : OPENAI_ERROR,
      },
    },
  };
}

const USAGE = open('Tokens of the call', {}, []);

/**
 * `/v1` (the gateway every OpenAI- and Anthropic-compatible client uses) and `/metrics`, described
 * as what they are: the main fields of each protocol's bodies, `additionalProperties: true` where
 * clients send more. Their exact shapes are the providers' published ones (tests hold the answers
 * to OpenAI's own OpenAPI document); these routes are served outside Nest's document, so they are
 * added here by hand.
 */
export function addGatewayPaths(document: OpenAPIObject): void {
  const paths = document.paths as Record<string, Json>;
  paths['/v1/models'] = {
    get: {
      tags: [GATEWAY],
      operationId: 'Gateway_models',
      summary: 'The models the key may use, in OpenAI’s list shape.',
      description:
        'Every available catalogue model the key’s limits allow, and `orchestratex/<strategy>` for each strategy.',
      responses: {
        '200': {
          description: 'A list',
          content: {
            'application/json': {
              schema: open(
                'OpenAI’s model list',
                {
                  object: string('list'),
                  data: { type: 'array', items: open('A model', { id: string('Its id') }, ['id']) },
                },
                ['object', 'data'],
              ),
            },
          },
        },
        '401': OPENAI_ERROR,
      },
    },
  };
  paths['/v1/models/{model}'] = {
    get: {
      tags: [GATEWAY],
      operationId: 'Gateway_model',
      summary: 'One model, in OpenAI’s shape.',
      description: 'The id’s slash as it is (`/v1/models/openai/gpt-5.4-mini`) or as `%2F`.',
      parameters: [
        { name: 'model', in: 'path', required: true, schema: { type: 'string' }, example: 'openai%2Fgpt-5.4-mini' },
      ],
      responses: {
        '200': {
          description: 'The model',
          content: {
            'application/json': { schema: open('A model', { id: string('Its id'), object: string('model') }, ['id']) },
          },
        },
        '401': OPENAI_ERROR,
        '404': OPENAI_ERROR,
      },
    },
  };
  paths['/v1/chat/completions'] = post(
    'Gateway_chatCompletions',
    'OpenAI Chat Completions, for any catalogue model or strategy.',
    'To an OpenAI-compatible provider the body goes as it is (model swapped); to Anthropic it is translated (tools, images, JSON schemas); `orchestratex/<strategy>` runs that strategy and streams its answer. `fallbacks` (ours) lists models to try when the first cannot start. Priced, limited and recorded like every call; `Idempotency-Key` is honoured.',
    [
      open(
        'A chat completion request',
        {
          model: MODEL,
          messages: {
            type: 'array',
            description: 'The conversation',
            items: open('A message', { role: string('system, developer, user, assistant or tool') }, ['role']),
          },
          stream: STREAM,
          max_completion_tokens: { type: 'integer', description: 'Output ceiling' },
          temperature: { type: 'number' },
          tools: { type: 'array', items: { type: 'object' }, description: 'Function tools' },
          response_format: { type: 'object', description: 'text, json_object or json_schema' },
          fallbacks: { type: 'array', items: { type: 'string' }, description: 'OrchestrateX: models to try next' },
        },
        ['model', 'messages'],
      ),
      {
        model: 'anthropic/claude-haiku-4-5',
        messages: [{ role: 'user', content: 'Summarise the Rust ownership rules in three bullets.' }],
        max_completion_tokens: 300,
        stream: true,
      },
    ],
    open(
      'A chat.completion',
      {
        id: string('Its id'),
        object: string('chat.completion'),
        choices: { type: 'array', items: { type: 'object' } },
        usage: USAGE,
      },
      ['id', 'choices'],
    ),
  );
  paths['/v1/responses'] = post(
    'Gateway_responses',
    'OpenAI Responses, for any catalogue model or strategy.',
    'Forwarded to OpenAI as it is; for other providers translated to their chat protocol (text, images, function tools, structured output); a field that cannot be honoured there is a 400 naming it.',
    [
      open(
        'A response request',
        {
          model: MODEL,
          input: { description: 'A string or a list of input items' },
          instructions: string('A system message'),
          stream: STREAM,
          tools: { type: 'array', items: { type: 'object' } },
        },
        ['model', 'input'],
      ),
      { model: 'orchestratex/improve', input: 'Write a haiku about version control.', instructions: 'Be concise.' },
    ],
    open(
      'A response',
      {
        id: string('Its id'),
        object: string('response'),
        output: { type: 'array', items: { type: 'object' } },
        usage: USAGE,
      },
      ['id', 'output'],
    ),
  );
  paths['/v1/messages'] = post(
    'Gateway_messages',
    'Anthropic Messages, for any catalogue model.',
    'Forwarded to Anthropic as it is; translated for OpenAI-compatible providers. Errors come in Anthropic’s shape.',
    [
      open(
        'A messages request',
        {
          model: MODEL,
          max_tokens: { type: 'integer', description: 'Output ceiling' },
          messages: { type: 'array', items: { type: 'object' } },
          system: { description: 'A string or text blocks' },
          stream: STREAM,
        },
        ['model', 'max_tokens', 'messages'],
      ),
      {
        model: 'openai/gpt-5.4-mini',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Hello, Claude-style client.' }],
      },
    ],
    open(
      'A message',
      {
        id: string('Its id'),
        type: string('message'),
        content: { type: 'array', items: { type: 'object' } },
        usage: USAGE,
      },
      ['id', 'content'],
    ),
    true,
  );
  paths['/v1/messages/count_tokens'] = {
    post: {
      tags: [GATEWAY],
      operationId: 'Gateway_countTokens',
      summary: 'Anthropic’s token counting, for any catalogue chat model.',
      description:
        'An Anthropic model’s count comes from Anthropic (the client’s anthropic-version and anthropic-beta passed on); any other model’s, or a strategy’s, is counted here with the o200k tokenizer. `x-orchestratex-token-count` says which: `provider` or `estimate`. No model is called and nothing is priced.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: open(
              'A Messages body without max_tokens',
              {
                model: MODEL,
                messages: { type: 'array', items: { type: 'object' } },
                system: { description: 'A string or text blocks' },
                tools: { type: 'array', items: { type: 'object' } },
              },
              ['model', 'messages'],
            ),
            example: {
              model: 'anthropic/claude-haiku-4-5',
              messages: [{ role: 'user', content: 'How long is this?' }],
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'The count',
          headers: { 'x-orchestratex-token-count': { schema: { type: 'string', enum: ['provider', 'estimate'] } } },
          content: {
            'application/json': { schema: open('The count', { input_tokens: { type: 'integer' } }, ['input_tokens']) },
          },
        },
        '400': ANTHROPIC_ERROR,
        '401': ANTHROPIC_ERROR,
        '404': ANTHROPIC_ERROR,
      },
    },
  };
  paths['/v1/embeddings'] = post(
    'Gateway_embeddings',
    'OpenAI Embeddings, for the catalogue’s embedding models.',
    'Priced by input tokens and recorded like every call.',
    [
      open(
        'An embeddings request',
        {
          model: MODEL,
          input: { description: 'A string, strings, or token arrays' },
          encoding_format: string('float or base64'),
          dimensions: { type: 'integer' },
        },
        ['model', 'input'],
      ),
      { model: 'openai/text-embedding-3-small', input: ['first passage', 'second passage'] },
    ],
    open(
      'A list of embeddings',
      { object: string('list'), data: { type: 'array', items: { type: 'object' } }, usage: USAGE },
      ['data'],
    ),
  );
  paths['/metrics'] = {
    get: {
      tags: ['metrics'],
      operationId: 'Metrics_scrape',
      summary: 'Prometheus metrics.',
      description:
        'Calls, tokens, cost, latency and errors per provider and model, runs per strategy and status, cooldowns, queue and process figures, in Prometheus’ text format. Needs an admin key or METRICS_TOKEN as a bearer token; 404 when METRICS_ENABLED=false.',
      responses: {
        '200': { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        '401': { description: 'Neither an admin key nor METRICS_TOKEN.' },
        '404': { description: 'METRICS_ENABLED=false.' },
      },
    },
  };
}
