import { applyDecorators, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { OpenAiCompatService } from './openai-compat.service.js';
import { CountTokensService } from './count-tokens.service.js';
import { AppConfig } from '../config/app-config.js';
import { OpenAiError } from './openai-error.js';
import { CACHE_HEADER } from './response-cache.js';
import { privateUrlIn } from './private-urls.js';
import { checkShape, type WireApi } from './wire-shapes.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

/** A gateway route: POST answering 200, safe to retry with an Idempotency-Key. */
const GatewayPost = (path: string) => applyDecorators(Post(path), HttpCode(200), Idempotent());

/**
 * The /v1 gateway: OpenAI's Models, Chat Completions, Responses and Embeddings routes and
 * Anthropic's Messages, for those SDKs as they are (documented by the providers' own API
 * references, so left out of /docs). Same API keys; errors in each API's own shape.
 */
@ApiExcludeController()
@Controller('v1')
export class OpenAiCompatController {
  constructor(
    private readonly compat: OpenAiCompatService,
    private readonly tokens: CountTokensService,
    private readonly config: AppConfig,
  ) {}

  @Get('models')
  models(): ReturnType<OpenAiCompatService['list']> {
    return this.compat.list();
  }

  /** One model by id (`openai/gpt-5.4-mini` with its slash as it is, or encoded as %2F). */
  @Get('models/*')
  model(@Req() request: FastifyRequest): ReturnType<OpenAiCompatService['retrieve']> {
    return this.compat.retrieve((request.params as Record<string, string>)['*'] ?? '');
  }

  /** Embeddings of an embedding model of the catalogue (OpenAI's, Mistral's, a providers-file one). */
  @GatewayPost('embeddings')
  async embeddings(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await gateway(request, reply, this.config, 'embeddings', (started) =>
      this.compat.embed(principal, request, reply, started),
    );
  }

  /**
   * Anthropic's Messages API for every catalogue model (and `orchestratex/<strategy>`), as the
   * Anthropic SDK calls it (`x-api-key`, `anthropic-version`); errors in Anthropic's shape.
   */
  /**
   * Anthropic's token counting for any catalogue chat model: Anthropic's own count for its models,
   * an estimate (marked so) for the others. Not a model call: not priced, not rate-limited.
   */
  @Post('messages/count_tokens')
  @HttpCode(200)
  async countTokens(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await gateway(request, reply, this.config, 'messages', () => this.tokens.count(principal, request, reply));
  }

  @GatewayPost('messages')
  async messages(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await gateway(request, reply, this.config, 'messages', (started) =>
      this.compat.anthropicMessages(principal, request, reply, started),
    );
  }

  /** OpenAI's Responses API, stateless, for every catalogue chat model. */
  @GatewayPost('responses')
  async responses(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await gateway(request, reply, this.config, 'responses', (started) =>
      this.compat.responses(principal, request, reply, started),
    );
  }

  @GatewayPost('chat/completions')
  async complete(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await gateway(request, reply, this.config, 'chat', (started) =>
      this.compat.complete(principal, request, reply, started),
    );
  }
}

/**
 * A gateway request: a JSON object body whose main fields have their shape, whose URLs (images, files) a provider may fetch (none at a
 * private address unless ALLOW_PRIVATE_URLS), then `handle` with the time the request arrived.
 */
function gateway(
  request: FastifyRequest,
  reply: FastifyReply,
  config: AppConfig,
  api: WireApi,
  handle: (started: number) => Promise<void>,
): Promise<void> {
  // The clock started when the request arrived (authentication included).
  const started = performance.now() - reply.elapsedTime;
  if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
    throw new OpenAiError(400, 'The request body must be a JSON object sent with Content-Type: application/json');
  }
  checkShape(api, request.body as Record<string, unknown>);
  if (api !== 'chat' && request.headers[CACHE_HEADER] !== undefined) {
    throw new OpenAiError(400, `${CACHE_HEADER}: only /v1/chat/completions answers are cached`, {
      param: CACHE_HEADER,
      code: 'invalid_value',
    });
  }
  const inside = config.allowPrivateUrls ? null : privateUrlIn(request.body);
  if (inside !== null) {
    throw new OpenAiError(
      400,
      `${inside.at}: ${inside.url} points at a loopback, link-local or private address, which a provider is not sent to fetch (ALLOW_PRIVATE_URLS)`,
      { param: inside.at, code: 'invalid_value' },
    );
  }
  return handle(started);
}
