import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Principal } from '../auth/principal.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { ModelCaller } from '../models/model-caller.js';
import type { ModelKind } from '../config/catalogue-entry.js';
import type { CatalogueItem } from '../models/catalogue-item.js';
import { ModelsService } from '../models/models.service.js';
import type { RunResponseDto } from '../orchestration/dto/run.response.dto.js';
import { IdSource } from '../common/id-source.js';
import { FINAL_EVENTS } from '../orchestration/events/run-events.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import type { NormalizedUsage, RelayEndpoint, RelayRequest } from '../providers/provider.types.js';
import { STRATEGIES, type Strategy } from '../common/strategies.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MessagesService } from '../threads/messages.service.js';
import { ThreadsService } from '../threads/threads.service.js';
import { AnthropicToOpenAiStream, fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation.js';
import { readChatRequest, textMessages, type ChatRequest } from './chat-request.js';
import { anthropicErrorType, OpenAiError } from './openai-error.js';
import { OBJECT_ID } from '../common/parse-object-id.pipe.js';
import { chatToResponse, ChatToResponsesStream, responsesToChat, STATEFUL } from './responses-translation.js';
import { asksForNothing } from './wire-json.js';
import { GatewayModels } from './gateway-models.js';
import { AppConfig } from '../config/app-config.js';
import { anthropicHeaders, STATUS_OF } from './upstream.js';
import {
  anthropicEvent,
  fromOpenAiCompletion,
  messageBody,
  MessageEvents,
  OpenAiToAnthropicStream,
  toOpenAiRequest,
} from './messages-translation.js';
import { chatCompletionBody } from '../common/openai-wire.js';

const ORCHESTRATE = 'orchestratex/';
const SESSION_HEADER = 'x-orchestratex-session';
const OVERHEAD_HEADER = 'x-orchestratex-overhead-ms';
/** An orchestration's calls and cost, on a response that was not streamed. */
const RUN_CALLS_HEADER = 'x-orchestratex-run-calls';
const RUN_COST_HEADER = 'x-orchestratex-run-cost-usd';
const KEEP_ALIVE_MS = 5_000;
/** The role whose text is a strategy's answer as it is written (the others choose theirs after the fact). */
const LIVE_WRITER: Partial<Record<Strategy, string>> = {
  route: 'primary',
  ensemble: 'aggregator',
  council: 'chairman',
  debate: 'judge',
};

/** A run's tokens as the usage of one completion: every call of the run. */
const runUsage = (run: RunResponseDto) =>
  usageOf({
    inputTokens: run.totals.inputTokens,
    outputTokens: run.totals.outputTokens,
    cachedInputTokens: 0,
    reasoningTokens: 0,
  });

const runFailure = (run: RunResponseDto) =>
  new OpenAiError(
    run.status === 'failed' ? 502 : 409,
    `run ${run.id} ended ${run.status}: ${run.error?.message ?? 'no answer'}`,
    {
      type: 'api_error',
      code: run.error?.errorClass ?? run.status,
    },
  );

/** The catalogue model that answered (a fallback, maybe). */
const MODEL_HEADER = 'x-orchestratex-model';

/** The answer's `model` field, as the provider wrote it (its own model id). */
const MODEL_FIELD = /"model":\s*"(?:[^"\\]|\\.)*"/;
/** An answer or chunk with the catalogue id the client knows in `model`, without parsing the rest. */
const withModel = (data: string, id: string) => data.replace(MODEL_FIELD, `"model":${JSON.stringify(id)}`);

/** An OpenAI stream's usage-only chunk (`choices: []`), told without parsing the others. */
const isUsageChunk = (event: string) => event.includes('"usage"') && /"choices":\s*\[\s*\]/.test(event);

/** An id like the provider's own (randomUUID draws from a buffered pool; randomBytes costs a syscall each time). */
const orxId = (prefix: string) => `${prefix}orx${randomUUID().replaceAll('-', '')}`;
const completionId = () => orxId('chatcmpl-');

function usageOf(u: NormalizedUsage | null) {
  const input = u?.inputTokens ?? 0;
  const output = u?.outputTokens ?? 0;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: u?.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: u?.reasoningTokens ?? 0 },
  };
}

/** Writes an OpenAI-style SSE stream on the raw response. */
class ChunkWriter {
  // Set when the stream starts: a call answered whole never needs them.
  private id = '';
  private created = 0;
  private model = '';
  started = false;

  constructor(
    private readonly reply: FastifyReply,
    private readonly headers: Record<string, string>,
  ) {}

  /** Sends the headers and the role chunk; `model` is the one answering. */
  start(model: string): void {
    if (this.started) return;
    this.open();
    this.model = model;
    this.chunk({ role: 'assistant', content: '' }, null);
  }

  /** Sends the headers only: the chunks that follow are the provider's own (`raw`). */
  open(): void {
    if (this.started) return;
    this.started = true;
    this.id = completionId();
    this.created = Math.floor(Date.now() / 1000);
    this.reply.hijack();
    const raw = this.reply.raw;
    for (const [name, value] of Object.entries(this.reply.getHeaders()))
      if (value !== undefined) raw.setHeader(name, value);
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...this.headers,
    });
  }

  /** One server-sent event as given (`data: …`). */
  raw(event: string): void {
    this.reply.raw.write(`${event}\n\n`);
  }

  /** Ends a stream whose last event (`data: [DONE]`) was written already. */
  close(): void {
    this.reply.raw.end();
  }

  chunk(delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): void {
    const choices = [{ index: 0, delta, logprobs: null, finish_reason: finish }];
    this.write({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices,
      ...extra,
    });
  }

  usage(usage: ReturnType<typeof usageOf>, extra: Record<string, unknown> = {}): void {
    this.write({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage,
      ...extra,
    });
  }

  /** An SSE comment: clients skip it; it shows progress and keeps the connection alive. */
  comment(text: string): void {
    if (!this.reply.raw.writableEnded) this.reply.raw.write(`: ${text.replace(/\n/g, ' ')}\n\n`);
  }

  error(error: OpenAiError): void {
    this.write({
      error: {
        message: error.message,
        type: error.details.type ?? 'api_error',
        param: null,
        code: error.details.code ?? null,
      },
    });
  }

  end(): void {
    this.reply.raw.write('data: [DONE]\n\n');
    this.reply.raw.end();
  }

  private write(data: unknown): void {
    this.reply.raw.write(`data: ${JSON.stringify(data)}\n\n`);
  }
}

type Wire = 'openai' | 'anthropic';

/** A run streamed to a client in its wire protocol: the answer's text, progress comments, the end. */
interface RunWriter {
  start(): void;
  text(text: string): void;
  comment(text: string): void;
  fail(error: OpenAiError): void;
  finish(run: RunResponseDto): void;
}

/** A run as Chat Completions chunks; the usage chunk (the whole run's, with its calls and cost) when asked for. */
class OpenAiRunWriter implements RunWriter {
  private readonly chunks: ChunkWriter;

  constructor(
    reply: FastifyReply,
    private readonly runId: string,
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {
    this.chunks = new ChunkWriter(reply, { 'x-orchestratex-run-id': runId });
  }

  start(): void {
    this.chunks.start(this.model);
  }

  text(text: string): void {
    this.chunks.chunk({ content: text }, null);
  }

  comment(text: string): void {
    this.chunks.comment(text);
  }

  fail(error: OpenAiError): void {
    this.chunks.error(error);
    this.chunks.end();
  }

  finish(run: RunResponseDto): void {
    this.chunks.chunk({}, 'stop');
    if (this.includeUsage) {
      const orchestratex = { runId: this.runId, calls: run.totals.calls, costUsd: run.totals.costUsd };
      this.chunks.usage(runUsage(run), { orchestratex });
    }
    this.chunks.end();
  }
}

/** A run as a Messages stream; `message_delta` carries the whole run's usage and an `orchestratex` field. */
class AnthropicRunWriter implements RunWriter {
  private readonly chunks: ChunkWriter;
  private readonly events: MessageEvents;

  constructor(
    reply: FastifyReply,
    private readonly runId: string,
    model: string,
  ) {
    this.chunks = new ChunkWriter(reply, { 'x-orchestratex-run-id': runId });
    this.events = new MessageEvents(`msg_${runId}`, model);
  }

  start(): void {
    this.chunks.open();
    this.write(this.events.start());
  }

  text(text: string): void {
    this.write(this.events.text(text));
  }

  comment(text: string): void {
    this.chunks.comment(text);
  }

  fail(error: OpenAiError): void {
    this.write([anthropicEvent('error', { error: { type: 'api_error', message: error.message } })]);
    this.chunks.close();
  }

  finish(run: RunResponseDto): void {
    const usage = {
      input_tokens: run.totals.inputTokens,
      output_tokens: run.totals.outputTokens,
      orchestratex: { runId: this.runId, calls: run.totals.calls, costUsd: run.totals.costUsd },
    };
    this.write(this.events.end('end_turn', usage));
    this.chunks.close();
  }

  private write(lines: string[]): void {
    for (const line of lines) this.chunks.raw(line);
  }
}

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
    private readonly orchestration: OrchestrationService,
    private readonly sessions: SessionsService,
    private readonly threads: ThreadsService,
    private readonly messages: MessagesService,
    private readonly limits: KeyLimitsService,
    private readonly gatewayModels: GatewayModels,
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
    if (chat.model.startsWith(ORCHESTRATE)) return this.orchestrate(principal, chat, request, reply, started, 'openai');

    const ids = [chat.model, ...chat.fallbacks];
    // The client's body goes as it is to OpenAI-compatible providers; Anthropic ones get its translation.
    const { fallbacks: _ours, ...forwarded } = chat.body;
    let translator: AnthropicToOpenAiStream | undefined;
    return this.relay(principal, request, reply, started, ids, chat.stream, {
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
      return this.orchestrate(principal, chat, request, reply, started, 'anthropic');
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
    },
  ): Promise<void> {
    const chosen = await this.modelsOf(ids, wire.kind ?? 'chat');
    await this.limits.requireModels(
      principal.keyId,
      chosen.map((item) => item.id),
    );
    this.rateHeaders(reply, await this.limits.admit(principal.keyId));
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
      for (const line of wire.event(data, answering, this.protocolOf(answering))) writer.raw(line);
    };
    let whole: { data: string; item: CatalogueItem } | undefined;
    const { call, item, refusal } = await this.caller.call(
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
    // A stream ends with the provider's own last event, or the translator's.
    if (stream) return writer.close();
    if (whole === undefined)
      throw new OpenAiError(502, `${item.id}: the provider sent no answer`, { code: 'malformed' });
    const overhead = performance.now() - started - upstreamMs;
    void reply.header(OVERHEAD_HEADER, overhead.toFixed(2)).header(MODEL_HEADER, whole.item.id);
    const answer = wire.whole(whole.data, whole.item, this.protocolOf(whole.item));
    if (typeof answer === 'string') void reply.type('application/json').send(answer);
    else void reply.send(answer);
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

  private rateHeaders(reply: FastifyReply, headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  }

  private protocolOf(item: CatalogueItem): string | undefined {
    return this.caller.target(item)?.adapter.protocol;
  }

  /**
   * `model`, then its `fallbacks`, as catalogue items with their targets: an unknown id is a 404
   * naming its place, a model of the other kind (chat, embedding) a 400; one whose provider is not
   * configured or that is disabled is left out, and only when none is left is it a 400.
   */
  private modelsOf(ids: string[], kind: ModelKind): Promise<CatalogueItem[]> {
    return this.gatewayModels.resolve(ids, kind);
  }

  /** `orchestratex/<strategy>`: the conversation goes into a new thread and a run answers its last user message. */
  private async orchestrate(
    principal: Principal,
    chat: ChatRequest,
    request: FastifyRequest,
    reply: FastifyReply,
    started: number,
    wire: Wire,
  ): Promise<void> {
    const strategy = chat.model.slice(ORCHESTRATE.length) as Strategy;
    if (!STRATEGIES.includes(strategy)) {
      throw new OpenAiError(
        404,
        `The model '${chat.model}' does not exist; strategies: ${STRATEGIES.map((s) => ORCHESTRATE + s).join(', ')}`,
        { param: 'model', code: 'model_not_found' },
      );
    }
    for (const field of ['tools', 'tool_choice', 'response_format']) {
      if (chat.body[field] !== undefined && chat.body[field] !== null) {
        throw new OpenAiError(400, `${field}: orchestratex/* models do not take it`, {
          param: field,
          code: 'invalid_value',
        });
      }
    }
    const messages = textMessages(chat.body);
    const last = messages.at(-1);
    if (last === undefined || last.role !== 'user')
      throw new OpenAiError(400, 'the last message must be the user prompt', { param: 'messages' });
    // Counted before the thread is made, so a refused request leaves nothing behind.
    this.rateHeaders(reply, await this.limits.admit(principal.keyId));
    const header = request.headers[SESSION_HEADER];
    const named = typeof header === 'string' ? header : chat.user;
    const sessionId = named !== undefined && OBJECT_ID.test(named) ? named : await this.sessionOf(principal);
    // An Idempotency-Key's retry gives the thread, each message and the run the same ids: found, not made again.
    const ids = new IdSource(request.idempotency?.claim.ids);
    const thread = await this.threads.create(
      principal,
      { sessionId, title: last.content.replace(/\s+/g, ' ').slice(0, 80) },
      ids,
    );
    for (const message of messages.slice(0, -1)) await this.messages.post(principal, thread.id, message, ids);

    const created = await this.orchestration.start(
      principal,
      {
        sessionId,
        threadId: thread.id,
        prompt: last.content,
        strategy,
        maxTokens: chat.maxTokens,
        temperature: chat.temperature,
      },
      ids,
      { admitted: true },
    );
    reply.header('x-orchestratex-run-id', created.runId);
    if (chat.stream) {
      const writer =
        wire === 'openai'
          ? new OpenAiRunWriter(reply, created.runId, chat.model, chat.includeUsage)
          : new AnthropicRunWriter(reply, created.runId, chat.model);
      return this.streamRun(principal, writer, reply, created.runId, strategy);
    }
    // The connection is held until the run ends, never answered while it goes on spending; a run
    // past GATEWAY_RUN_TIMEOUT_MS is cancelled and the client told so.
    const limitMs = this.config.orchestration.gatewayRunTimeoutMs;
    if (!(await this.orchestration.waitForEnd(created.runId, limitMs))) {
      await this.orchestration.cancel(principal, created.runId).catch(() => undefined);
      throw new OpenAiError(
        504,
        `run ${created.runId} did not end within ${limitMs} ms (GATEWAY_RUN_TIMEOUT_MS) and was cancelled; send stream: true to follow a longer run`,
        { type: 'api_error', code: 'timeout' },
      );
    }
    const run = await this.orchestration.get(principal, created.runId);
    if (run.answer === null) throw runFailure(run);
    void reply
      .header(OVERHEAD_HEADER, (performance.now() - started).toFixed(2))
      .header(RUN_CALLS_HEADER, String(run.totals.calls))
      .header(RUN_COST_HEADER, run.totals.costUsd.toFixed(6))
      .send(
        wire === 'openai'
          ? chatCompletionBody(`chatcmpl-${created.runId}`, chat.model, run.answer, 'stop', runUsage(run))
          : messageBody(`msg_${created.runId}`, chat.model, [{ type: 'text', text: run.answer }], 'end_turn', {
              input_tokens: run.totals.inputTokens,
              output_tokens: run.totals.outputTokens,
            }),
      );
  }

  /**
   * An orchestration streamed live: the role chunk at once, each stage as an SSE comment (and a
   * keep-alive every few seconds), the final writer's tokens as it writes them (route's primary,
   * the ensemble's aggregator, the council's chairman, the debate's judge), else the chosen answer
   * in pieces when the run ends; the usage chunk is the whole run's, with its calls and cost.
   */
  private async streamRun(
    principal: Principal,
    writer: RunWriter,
    reply: FastifyReply,
    runId: string,
    strategy: Strategy,
  ): Promise<void> {
    writer.start();
    const liveRole = LIVE_WRITER[strategy];
    let liveStep: string | null = null;
    let streamed = '';
    let broken = false;
    let stop: (() => void) | undefined;
    const keepAlive = setInterval(() => writer.comment('keep-alive'), KEEP_ALIVE_MS);
    reply.raw.on('close', () => {
      // A client that went away does not keep its run going.
      if (!reply.raw.writableEnded) void this.orchestration.cancel(principal, runId).catch(() => undefined);
    });
    await new Promise<void>((resolve) => {
      const follow = this.orchestration.follow(runId, 0, (event) => {
        if (event.type === 'step.delta') {
          if (event.data.stepId === liveStep && !broken) {
            streamed += event.data.text;
            writer.text(event.data.text);
          }
          return;
        }
        if (event.type === 'step.started') {
          if (event.data.role === liveRole && liveStep === null) liveStep = event.data.stepId;
          writer.comment(`${event.type} ${event.data.stepId} ${event.data.role} ${event.data.modelId}`);
        } else if (event.type === 'step.retried') {
          if (event.data.stepId === liveStep && streamed !== '') broken = true;
          writer.comment(`${event.type} ${event.data.stepId} ${event.data.errorClass}`);
        } else writer.comment(event.type);
        if (FINAL_EVENTS.includes(event.type)) resolve();
      });
      stop = follow;
      follow.replayed.catch(() => resolve());
    });
    clearInterval(keepAlive);
    stop?.();
    const run = await this.orchestration.get(principal, runId);
    if (run.answer === null || broken || (streamed !== '' && !streamed.trim().endsWith(run.answer.trim()))) {
      return writer.fail(
        run.answer === null
          ? runFailure(run)
          : new OpenAiError(
              502,
              `run ${runId}: the answer's stream broke and was retried; read the answer from the run`,
              {
                code: 'stream_broken',
              },
            ),
      );
    }
    // An answer chosen after the fact (the best-scored one) goes out now, a few words a chunk.
    if (streamed === '') for (const piece of run.answer.match(/(?:\S+\s*){1,4}/g) ?? []) writer.text(piece);
    writer.comment(`run ${runId} ${run.status}: ${run.totals.calls} calls, $${run.totals.costUsd.toFixed(6)}`);
    writer.finish(run);
  }

  /** The key's own session for OpenAI-compatible runs, created the first time. */
  private async sessionOf(principal: Principal): Promise<string> {
    const userId = `openai-compat:${principal.keyId}`;
    const page = await this.sessions.list(principal, { userId, status: 'active', limit: 1 });
    if (page.items.length > 0) return page.items[0].id;
    return (await this.sessions.create(principal, { title: 'OpenAI-compatible endpoint', userId })).id;
  }
}
