import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { Principal } from '../auth/principal.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { ModelCaller } from '../models/model-caller.js';
import type { ModelKind } from '../config/catalogue-entry.js';
import type { CatalogueItem } from '../models/catalogue-item.js';
import { ModelsService } from '../models/models.service.js';
import type { RelayEndpoint, RelayRequest } from '../providers/provider.types.js';
import { STRATEGIES } from '../common/strategies.js';
import { AnthropicToOpenAiStream, fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation.js';
import { readChatRequest } from './chat-request.js';
import { anthropicErrorType, OpenAiError } from './openai-error.js';
import { chatToResponse, ChatToResponsesStream, responsesToChat, STATEFUL } from './responses-translation.js';
import { asksForNothing } from './wire-json.js';
import { GatewayModels } from './gateway-models.js';
import { AppConfig } from '../config/app-config.js';
import {
  anthropicHeaders,
  isUsageChunk,
  MODEL_HEADER,
  OVERHEAD_HEADER,
  setHeaders,
  STATUS_OF,
  withModel,
  type Wire,
} from './upstream.js';
import { CACHE_HEADER, ResponseCache } from './response-cache.js';
import { CacheHits } from './cache-hits.js';
import { ChunkWriter, completionId, orxId } from './chunk-writer.js';
import { GatewayRuns, ORCHESTRATE } from './gateway-runs.service.js';
import {
  anthropicEvent,
  fromOpenAiCompletion,
  OpenAiToAnthropicStream,
  toOpenAiRequest,
} from './messages-translation.js';

/**
 * The OpenAI-compatible gateway: a catalogue model id goes to its provider through the resilience
 * layer (translated to Anthropic's protocol where needed); `orchestratex/<strategy>` runs an
 * orchestration and answers with its final answer.
 */
@Injectable()
export class OpenAiCompatService {
  constructor(
    private readonly models: ModelsService,
    private readonly caller: ModelCaller,
    private readonly limits: KeyLimitsService,
    private readonly gatewayModels: GatewayModels,
    private readonly runs: GatewayRuns,
    private readonly cache: ResponseCache,
    private readonly hits: CacheHits,
    private readonly config: AppConfig,
  ) {}

  async list(): Promise<{
    object: 'list';
    data: { id: string; object: 'model'; created: number; owned_by: string }[];
  }> {
    const created = Math.floor(Date.UTC(2026, 0, 1) / 1000);
    const data = (await this.models.items())
      .filter(({ availability }) => availability.available)
      .map(({ item }) => ({ id: item.id, object: 'model' as const, created, owned_by: item.provider }));
    for (const strategy of STRATEGIES)
      data.push({ id: `${ORCHESTRATE}${strategy}`, object: 'model', created, owned_by: 'orchestratex' });
    return { object: 'list', data };
  }

  /** A model as `GET /v1/models` lists it; one that is not listed (unknown or unavailable) is a 404. */
  async retrieve(id: string): Promise<{ id: string; object: 'model'; created: number; owned_by: string }> {
    const found = (await this.list()).data.find((m) => m.id === id);
    if (found === undefined) {
      throw new OpenAiError(404, `The model '${id}' does not exist or is not available (GET /v1/models lists them)`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
    return found;
  }

  async complete(principal: Principal, request: FastifyRequest, reply: FastifyReply, started: number): Promise<void> {
    const chat = readChatRequest(request.body as Record<string, unknown>);
    // STREAM_USAGE=always: clients that never ask (the OpenAI Agents SDK) still learn what a stream used.
    if (this.config.streamUsageAlways && chat.stream) chat.includeUsage = true;
    // An admin's alias or a bare name, as the id it stands for (a strategy included).
    chat.model = await this.gatewayModels.idOf(chat.model);
    const asked = request.headers[CACHE_HEADER];
    const maxAgeMs = this.cache.maxAgeOf(asked);
    if (chat.model.startsWith(ORCHESTRATE)) {
      if (maxAgeMs !== null) {
        throw new OpenAiError(400, `${CACHE_HEADER}: orchestratex/* runs are not cached (each is a new run)`, {
          param: CACHE_HEADER,
          code: 'invalid_value',
        });
      }
      return this.runs.orchestrate(principal, chat, request, reply, started, 'openai');
    }

    const ids = [chat.model, ...chat.fallbacks];
    // The client's body goes as it is to OpenAI-compatible providers; Anthropic ones get its translation.
    const { fallbacks: _ours, ...forwarded } = chat.body;
    let translator: AnthropicToOpenAiStream | undefined;
    return this.relay(principal, request, reply, started, ids, chat.stream, {
      cache: await this.cache.planFor(principal, asked, maxAgeMs, ids, chat.stream, forwarded),
      bodies: (protocols) => ({
        openai: forwarded,
        ...(protocols.has('anthropic') ? { anthropic: toAnthropicRequest(forwarded) } : {}),
      }),
      event: (data, answering, protocol) => {
        if (protocol === 'openai') {
          // The usage chunk was asked for on the client's behalf only when it did not ask itself.
          return !chat.includeUsage && isUsageChunk(data) ? [] : [withModel(data, answering.id)];
        }
        translator ??= new AnthropicToOpenAiStream(completionId(), answering.id, chat.includeUsage);
        return translator.push(data);
      },
      whole: (data, answering, protocol) =>
        protocol === 'openai'
          ? withModel(data, answering.id)
          : fromAnthropicMessage(data, completionId(), answering.id),
      error: (error, writer) => {
        writer.error(error);
        writer.end();
      },
    });
  }

  /**
   * `POST /v1/messages`, Anthropic's Messages API, for every catalogue model: an Anthropic model gets
   * the client's body as it is (its events come back as the provider sent them), the others its
   * translation onto Chat Completions (and their answer back as a message); `orchestratex/<strategy>`
   * runs an orchestration. Errors in Anthropic's shape.
   */
  async anthropicMessages(
    principal: Principal,
    request: FastifyRequest,
    reply: FastifyReply,
    started: number,
  ): Promise<void> {
    const body = request.body as Record<string, unknown>;
    const { model, messages, max_tokens: maxTokens, stream } = body;
    if (typeof model !== 'string' || model.trim() === '')
      throw new OpenAiError(400, 'model: Field required', { param: 'model' });
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) {
      throw new OpenAiError(400, 'max_tokens: must be a positive integer (the Messages API requires it)', {
        param: 'max_tokens',
      });
    }
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new OpenAiError(400, 'messages: must be a non-empty array', { param: 'messages' });
    }
    if (stream !== undefined && typeof stream !== 'boolean')
      throw new OpenAiError(400, 'stream: must be a boolean', { param: 'stream' });
    const id = await this.gatewayModels.idOf(model.trim());
    if (id.startsWith(ORCHESTRATE)) {
      const chat = readChatRequest({ ...toOpenAiRequest(body), model: id, stream: stream === true });
      return this.runs.orchestrate(principal, chat, request, reply, started, 'anthropic');
    }
    const { model: _id, ...client } = body;
    let translator: OpenAiToAnthropicStream | undefined;
    return this.relay(principal, request, reply, started, [id], stream === true, {
      headers: { anthropic: anthropicHeaders(request) },
      bodies: (protocols) => ({
        anthropic: client,
        ...(protocols.has('openai') ? { openai: toOpenAiRequest(body) } : {}),
      }),
      event: (data, answering, protocol) => {
        if (protocol === 'anthropic') return [withModel(data, answering.id)];
        translator ??= new OpenAiToAnthropicStream(orxId('msg_'), answering.id);
        return translator.push(data);
      },
      whole: (data, answering, protocol) =>
        protocol === 'anthropic'
          ? withModel(data, answering.id)
          : fromOpenAiCompletion(data, orxId('msg_'), answering.id),
      error: (error, writer) => {
        writer.raw(
          anthropicEvent('error', { error: { type: anthropicErrorType(error.getStatus()), message: error.message } }),
        );
        writer.close();
      },
    });
  }

  /**
   * `POST /v1/responses`, OpenAI's Responses API (stateless: no stored responses): to an OpenAI
   * model the client's body as it is and its events back untouched; the others get it translated
   * onto Chat Completions (Anthropic's on through their own translation) and their answer back as
   * a Response or Responses events.
   */
  async responses(principal: Principal, request: FastifyRequest, reply: FastifyReply, started: number): Promise<void> {
    const body = request.body as Record<string, unknown>;
    const { model, input, stream } = body;
    if (typeof model !== 'string' || model.trim() === '')
      throw new OpenAiError(400, 'you must provide a model parameter', { param: 'model', code: 'invalid_value' });
    for (const field of STATEFUL) {
      if (!asksForNothing(field, body[field])) {
        throw new OpenAiError(400, `${field}: this gateway keeps no responses; send the whole input each time`, {
          param: field,
          code: 'invalid_value',
        });
      }
    }
    if (input === undefined || input === null || input === '')
      throw new OpenAiError(400, 'input: required (a string or an array of items)', {
        param: 'input',
        code: 'invalid_value',
      });
    if (stream !== undefined && stream !== null && typeof stream !== 'boolean')
      throw new OpenAiError(400, 'stream must be a boolean', { param: 'stream', code: 'invalid_value' });
    const id = await this.gatewayModels.idOf(model.trim());
    if (id.startsWith(ORCHESTRATE)) {
      throw new OpenAiError(400, `${id}: orchestrations answer on /v1/chat/completions and /v1/messages`, {
        param: 'model',
        code: 'invalid_value',
      });
    }
    const native = (item: CatalogueItem) => item.provider === 'openai' && this.protocolOf(item) === 'openai';
    const { model: _id, ...client } = body;
    const responseId = orxId('resp_');
    let chat: ChatToResponsesStream | undefined;
    let anthropic: AnthropicToOpenAiStream | undefined;
    return this.relay(principal, request, reply, started, [id], stream === true, {
      bodies: (protocols, chosen) => {
        if (native(chosen[0])) return { openai: client, endpoint: 'responses' };
        const translated = responsesToChat(body);
        return {
          openai: translated,
          ...(protocols.has('anthropic') ? { anthropic: toAnthropicRequest(translated) } : {}),
          endpoint: 'chat',
        };
      },
      event: (data, answering, protocol) => {
        if (native(answering)) return [withModel(data, answering.id)];
        chat ??= new ChatToResponsesStream(responseId, answering.id, body);
        if (protocol === 'openai') return chat.push(data);
        anthropic ??= new AnthropicToOpenAiStream(completionId(), answering.id, true);
        return anthropic.push(data).flatMap((line) => chat?.push(line) ?? []);
      },
      whole: (data, answering, protocol) => {
        if (native(answering)) return withModel(data, answering.id);
        const completion = protocol === 'openai' ? data : fromAnthropicMessage(data, completionId(), answering.id);
        return chatToResponse(completion, responseId, answering.id, body);
      },
      error: (error, writer) => {
        writer.raw(
          `event: error\ndata: ${JSON.stringify({ type: 'error', code: error.details.code ?? null, message: error.message, param: null })}`,
        );
        writer.close();
      },
    });
  }

  /**
   * One call of a catalogue model (and its fallbacks) for a client of either protocol: the models
   * checked against the catalogue and the key, the request counted, the client's body (or its
   * translation) sent through the resilience layer, and the answer relayed in the client's protocol.
   */
  private async relay(
    principal: Principal,
    request: FastifyRequest,
    reply: FastifyReply,
    started: number,
    ids: string[],
    stream: boolean,
    wire: {
      /** The models' kind: chat (the default) or embedding. */
      kind?: ModelKind;
      /** The bodies to send, per wire protocol (and the API they are for), for the models chosen. */
      bodies: (
        protocols: Set<string | undefined>,
        chosen: CatalogueItem[],
      ) => Partial<Record<Wire, Record<string, unknown>>> & { endpoint?: RelayEndpoint };
      /** A provider event as the client's (each a `data: …` block). */
      event: (data: string, answering: CatalogueItem, protocol: string | undefined) => string[];
      /** A whole answer as the client's: JSON text, or an object. */
      whole: (data: string, answering: CatalogueItem, protocol: string | undefined) => string | Record<string, unknown>;
      /** Ends a stream that failed after it began (none for an API that never streams). */
      error?: (error: OpenAiError, writer: ChunkWriter) => void;
      /** Client headers to pass on, per protocol. */
      headers?: RelayRequest['headers'];
      /** The response cache's key and age, when the client asked for it. */
      cache?: { key: string; maxAgeMs: number };
    },
  ): Promise<void> {
    const chosen = await this.gatewayModels.resolve(ids, wire.kind ?? 'chat');
    await this.limits.requireModels(
      principal.keyId,
      chosen.map((item) => item.id),
    );
    setHeaders(reply, await this.limits.admit(principal.keyId));
    if (wire.cache !== undefined) {
      const hit = await this.cache.get(wire.cache.key);
      if (hit !== undefined) return this.hits.answer(principal, reply, hit, started);
      void reply.header(CACHE_HEADER, 'miss');
    }
    const captured: string[] = [];
    const protocols = new Set(chosen.map((item) => this.caller.target(item)?.adapter.protocol));
    const { endpoint = 'chat', ...bodies } = wire.bodies(protocols, chosen);
    const abort = new AbortController();
    request.raw.on('close', () => {
      if (!reply.raw.writableEnded) abort.abort();
    });
    const writer = new ChunkWriter(reply, {});
    const upstreamStart = performance.now();
    const onRaw = (data: string, answering: CatalogueItem) => {
      if (!writer.started) {
        reply.header(OVERHEAD_HEADER, (upstreamStart - started).toFixed(2));
        reply.header(MODEL_HEADER, answering.id);
        writer.open();
      }
      for (const line of wire.event(data, answering, this.protocolOf(answering))) {
        writer.raw(line);
        if (wire.cache !== undefined) captured.push(line);
      }
    };
    let whole: { data: string; item: CatalogueItem } | undefined;
    const { call, item, cost, refusal } = await this.caller.call(
      chosen,
      { kind: 'relay', endpoint, bodies, headers: wire.headers },
      abort.signal,
      { ownerId: principal.ownerId, keyId: principal.keyId, role: 'gateway', strategy: null, domain: null },
      undefined,
      (data, answering) => (stream ? onRaw(data, answering) : (whole = { data, item: answering })),
    );
    if (refusal !== undefined) throw refusal;
    const upstreamMs = performance.now() - upstreamStart;
    const failure = call.error;
    if (failure !== null) {
      const which = chosen.length === 1 ? item.id : `${chosen.map((c) => c.id).join(', ')} all failed; the last`;
      const error = new OpenAiError(STATUS_OF[failure.errorClass], `${which}: ${failure.message}`, {
        type: failure.errorClass === 'rate_limited' ? 'rate_limit_error' : 'api_error',
        code: failure.errorClass,
      });
      if (!writer.started || wire.error === undefined) throw error;
      return wire.error(error, writer);
    }
    const keep = (answer: { body?: string; events?: string[] }) => {
      if (wire.cache === undefined) return;
      const entry = { modelId: item.id, provider: item.provider, usage: call.usage, costUsd: cost.totalUsd, ...answer };
      this.cache.set(wire.cache.key, entry, wire.cache.maxAgeMs).catch(() => undefined);
    };
    // A stream ends with the provider's own last event, or the translator's.
    if (stream) {
      keep({ events: captured });
      return writer.close();
    }
    if (whole === undefined)
      throw new OpenAiError(502, `${item.id}: the provider sent no answer`, { code: 'malformed' });
    const overhead = performance.now() - started - upstreamMs;
    void reply.header(OVERHEAD_HEADER, overhead.toFixed(2)).header(MODEL_HEADER, whole.item.id);
    const answer = wire.whole(whole.data, whole.item, this.protocolOf(whole.item));
    const body = typeof answer === 'string' ? answer : JSON.stringify(answer);
    keep({ body });
    void reply.type('application/json').send(body);
  }

  /**
   * `POST /v1/embeddings`: the client's body to the model's provider as it is (model id swapped),
   * through the resilience layer, priced and recorded like every call; the provider's bytes back.
   */
  async embed(principal: Principal, request: FastifyRequest, reply: FastifyReply, started: number): Promise<void> {
    const body = request.body as Record<string, unknown>;
    const { model, input } = body;
    if (typeof model !== 'string' || model.trim() === '')
      throw new OpenAiError(400, 'you must provide a model parameter', { param: 'model', code: 'invalid_value' });
    const empty = input === undefined || input === null || input === '' || (Array.isArray(input) && input.length === 0);
    if (empty || (typeof input !== 'string' && !Array.isArray(input))) {
      throw new OpenAiError(400, 'input must be a non-empty string or array (of strings or token arrays)', {
        param: 'input',
        code: 'invalid_value',
      });
    }
    return this.relay(principal, request, reply, started, [model.trim()], false, {
      kind: 'embedding',
      bodies: () => ({ openai: body, endpoint: 'embeddings' }),
      event: () => [],
      whole: (data, answering) => withModel(data, answering.id),
    });
  }

  private protocolOf(item: CatalogueItem): string | undefined {
    return this.caller.target(item)?.adapter.protocol;
  }

  /** `orchestratex/<strategy>`: the conversation goes into a new thread and a run answers its last user message. */
}
