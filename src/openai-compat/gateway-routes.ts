import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { KeyCheck } from '../auth/key-check.js';
import { sendError } from '../common/all-exceptions.filter.js';
import { AppConfig } from '../config/app-config.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { streamed } from '../idempotency/idempotent.decorator.js';
import { CountTokensService } from './count-tokens.service.js';
import { ChatCompletionsDialect } from './dialects/chat-completions.dialect.js';
import type { GatewayPlan, GatewayRequest } from './dialects/dialect.js';
import { EmbeddingsDialect } from './dialects/embeddings.dialect.js';
import { MessagesDialect } from './dialects/messages.dialect.js';
import { ResponsesDialect } from './dialects/responses.dialect.js';
import { GatewayModels } from './gateway-models.js';
import { GatewayRuns } from './gateway-runs.service.js';
import { McpResponses } from './mcp-responses.service.js';
import { gatewayErrorBody, OpenAiError } from './openai-error.js';
import { privateUrlIn } from './private-urls.js';
import { GatewayRelay } from './relay.js';
import { ReplySink } from './reply-sink.js';
import { checkShape, type WireApi } from './wire-shapes.js';

/**
 * The `/v1` gateway as plain Fastify routes, outside Nest's guards, interceptors and rxjs (the hot
 * path of every proxied call): the key checked in an `onRequest` hook, `Idempotency-Key` claimed in
 * a `preHandler` hook, errors shaped by the scope's own handler (OpenAI's shape, Anthropic's on the
 * Messages routes). Each route reads its body with its dialect; the relay calls the models; the
 * route alone writes bytes. OpenAI's Models, Chat Completions, Responses and Embeddings, Anthropic's
 * Messages and token counting, for those SDKs as they are (documented by the providers' own API
 * references; `/docs` lists them in short).
 */
@Injectable()
export class GatewayRoutes {
  constructor(
    private readonly keyCheck: KeyCheck,
    private readonly idempotency: IdempotencyService,
    private readonly models: GatewayModels,
    private readonly relay: GatewayRelay,
    private readonly runs: GatewayRuns,
    private readonly mcp: McpResponses,
    private readonly tokens: CountTokensService,
    private readonly chat: ChatCompletionsDialect,
    private readonly messages: MessagesDialect,
    private readonly responses: ResponsesDialect,
    private readonly embeddings: EmbeddingsDialect,
    private readonly config: AppConfig,
  ) {}

  /** Adds the `/v1` routes to Fastify (before it is ready). */
  register(fastify: FastifyInstance): void {
    void fastify.register(
      (v1, _options, done) => {
        v1.addHook('onRequest', async (request, reply) => {
          request.principal = await this.keyCheck.check(request, reply.raw);
        });
        v1.addHook('preHandler', async (request) => {
          const key = request.headers['idempotency-key'];
          if (request.method !== 'POST' || key === undefined || request.routeOptions.config.idempotent !== true) return;
          await this.idempotency.claim(request, this.principalOf(request).ownerId, key, streamed(request));
        });
        v1.setErrorHandler((error, request, reply) =>
          sendError(error, request, reply, this.config.bodyLimitBytes, gatewayErrorBody),
        );
        v1.setNotFoundHandler((request, reply) =>
          sendError(
            new OpenAiError(404, `Cannot ${request.method} ${request.url.split('?')[0]}`),
            request,
            reply,
            this.config.bodyLimitBytes,
            gatewayErrorBody,
          ),
        );

        v1.get('/models', () => this.models.list());
        // One model by id (`openai/gpt-5.4-mini` with its slash as it is, or encoded as %2F).
        v1.get('/models/*', (request) => this.models.retrieve((request.params as Record<string, string>)['*'] ?? ''));
        this.post(v1, '/chat/completions', 'chat', (r) => this.chat.plan(r));
        this.post(v1, '/messages', 'messages', (r) => this.messages.plan(r));
        this.post(v1, '/responses', 'responses', (r) => this.responses.plan(r));
        this.post(v1, '/embeddings', 'embeddings', (r) => this.embeddings.plan(r));
        // Not a model call: not priced, not rate-limited, no Idempotency-Key.
        v1.post('/messages/count_tokens', async (request, reply) => {
          this.bodyOf(request, 'messages');
          await this.tokens.count(this.principalOf(request), request, reply);
          return reply;
        });
        done();
      },
      { prefix: '/v1' },
    );
  }

  /** A route of a dialect: its plan relayed (or run, for `orchestratex/*`), safe to retry with an Idempotency-Key. */
  private post(
    v1: FastifyInstance,
    path: string,
    api: WireApi,
    plan: (request: GatewayRequest) => Promise<GatewayPlan>,
  ): void {
    v1.post(path, { config: { idempotent: true } }, async (request, reply) => {
      // The clock started when the request arrived (the key check included).
      const started = performance.now() - reply.elapsedTime;
      const principal = this.principalOf(request);
      const planned = await plan({ principal, body: this.bodyOf(request, api), headers: request.headers });
      if ('run' in planned) {
        await this.runs.orchestrate(principal, planned.run, request, reply, started, planned.wire);
      } else {
        const abort = new AbortController();
        request.raw.on('close', () => {
          if (!reply.raw.writableEnded) abort.abort();
        });
        if ('mcp' in planned) await this.mcp.answer(principal, planned.mcp, reply, started, abort.signal);
        else await this.relay.relay(principal, planned.relay, new ReplySink(reply), started, abort.signal);
      }
      // Answered already (its onSend hooks may still run): Fastify must not send again.
      return reply;
    });
  }

  /**
   * The body of a gateway request: a JSON object whose main fields have their shape, whose URLs
   * (images, files) a provider may fetch (none at a private address unless ALLOW_PRIVATE_URLS).
   */
  private bodyOf(request: FastifyRequest, api: WireApi): Record<string, unknown> {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new OpenAiError(400, 'The request body must be a JSON object sent with Content-Type: application/json');
    }
    checkShape(api, body as Record<string, unknown>);
    const inside = this.config.allowPrivateUrls ? null : privateUrlIn(body);
    if (inside !== null) {
      throw new OpenAiError(
        400,
        `${inside.at}: ${inside.url} points at a loopback, link-local or private address, which a provider is not sent to fetch (ALLOW_PRIVATE_URLS)`,
        { param: inside.at, code: 'invalid_value' },
      );
    }
    return body as Record<string, unknown>;
  }

  private principalOf(request: FastifyRequest): NonNullable<FastifyRequest['principal']> {
    if (request.principal === undefined) throw new OpenAiError(401, 'Missing API key');
    return request.principal;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours `Idempotency-Key`. */
    idempotent?: boolean;
  }
}
