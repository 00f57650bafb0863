import { listenOn } from './listen.js';
import { countChatTokens, countTokens, loadTokenizer } from '../src/common/tokens.js';
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { simulatedEmbeddings } from './simulated-embeddings.js';
import { callItem, messageItem, responseObject, responsesAsChat, ResponsesEvents } from './simulated-responses.js';
import { SeededWords, simulatedEvaluation, simulatedReview } from './simulated-text.js';
import {
  acknowledgement,
  readAgentAsk,
  toolCallsFor,
  valueFor,
  type AgentAsk,
  type SimToolCall,
} from './simulated-agent.js';
import { chatCompletionBody } from '../src/common/openai-wire.js';

/** How a simulated model behaves; per model, with `*` as the default for all. */
export interface SimModelBehaviour {
  /** Milliseconds before the first token. */
  ttftMs: number;
  /** Milliseconds between tokens. */
  tokenMs: number;
  /** Tokens in an answer (fewer when the request's max tokens is lower). */
  outputTokens: number;
  /** Input tokens reported as served from the provider's prompt cache. */
  cachedInputTokens: number;
  /** Output tokens reported as reasoning tokens (OpenAI dialect). */
  reasoningTokens: number;
  /** OpenAI dialect: report no usage at all, as some OpenAI-compatible servers do. */
  omitUsage: boolean;
  /** Turns of tool calls the model makes (one more after each result) before it answers from the results (default 1). */
  toolRounds: number;
}

/** `invalid_json`: a normal answer whose text, asked for a JSON evaluation, is not JSON. */
export const FAULT_TYPES = ['429', '500', '503', '401', '400', 'hang', 'reset', 'malformed', 'invalid_json'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export interface Fault {
  type: FaultType;
  /** For 429 and 503: the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
  /** For reset and malformed on a stream: tokens sent before the fault (default 2). */
  afterTokens?: number;
  /** Only requests of this kind meet the fault: `json` (evaluations), `text` (answers); default both. */
  on?: 'json' | 'text';
  /** Matching requests let through before the fault is served (default 0). */
  skip?: number;
}

export interface SimStats {
  requests: Record<string, number>;
  /**
   * Requests per response format asked for: `json_schema:<name>` (OpenAI), `json_schema` (an
   * Anthropic `output_config.format`), `json_object`, or `text` (none).
   */
  formats: Record<string, number>;
  /** Requests per dialect's endpoint: `/v1/chat/completions` (OpenAI) or `/v1/messages` (Anthropic). */
  endpoints: Record<string, number>;
  /** Requests whose client went away before the answer was complete. */
  clientAborts: number;
  faultsServed: number;
}

export const DEFAULT_BEHAVIOUR: SimModelBehaviour = {
  ttftMs: 0,
  tokenMs: 0,
  outputTokens: 24,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  omitUsage: false,
  toolRounds: 1,
};

/** The models the simulator lists; any other model id is answered as well. */
export const SIM_MODELS = ['sim-small', 'sim-medium', 'sim-large'];

interface ChatRequest {
  dialect: 'openai' | 'anthropic';
  /** Asked through OpenAI's Responses API (`POST /v1/responses`), answered in its shape. */
  responses?: boolean;
  model: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  texts: string[];
  wantsJson: boolean;
  format: string;
  /** Tools, tool results, images and a schema: what an agent-like answer is made from. */
  ask: AgentAsk;
  /** An evaluation or a council review (the engine's judging prompts), not a client's own schema. */
  judging: boolean;
}

/** One piece of a streamed answer: text, a tool call's start, or a piece of its arguments. */
type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'tool_start'; index: number; call: SimToolCall }
  | { kind: 'tool_args'; index: number; text: string };

type Json = Record<string, unknown>;

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

/**
 * An upstream that speaks OpenAI Chat Completions and Anthropic Messages over real HTTP, for tests,
 * benchmarks and the offline demo. Its answers are deterministic text derived from the request,
 * with token counts measured by a real tokenizer (input) and by the tokens it sends (output).
 * Control endpoints under /_sim set per-model behaviour and queue faults.
 */
export class UpstreamSimulator {
  private server?: Server;
  private readonly behaviours = new Map<string, Partial<SimModelBehaviour>>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly scores = new Map<string, number[]>();
  private readonly answers = new Map<string, string[]>();
  private readonly lastHeaders = new Map<string, IncomingMessage['headers']>();
  private listed: string[] = [...SIM_MODELS];
  private stats: SimStats = { requests: {}, formats: {}, endpoints: {}, clientAborts: 0, faultsServed: 0 };

  constructor(private readonly defaults: Partial<SimModelBehaviour> = {}) {
    this.behaviours.set('*', defaults);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    // It counts every request's tokens: the tables load before the first request, not during it.
    loadTokenizer();
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.sendJson(res, 500, { error: { message: String(error) } });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 65_000;
    return listenOn(this.server, port, host, 'SIM_PORT');
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server?.close(() => done()));
  }

  configure(model: string, behaviour: Partial<SimModelBehaviour>): void {
    this.behaviours.set(model, { ...this.behaviours.get(model), ...behaviour });
  }

  /** Queues `times` faults for the next requests to `model` (`*`: any model). */
  injectFault(model: string, fault: Fault, times = 1): void {
    const queue = this.faults.get(model) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.faults.set(model, queue);
  }

  /**
   * The overall scores (1–10) `model`'s next evaluations give, one per evaluation, every criterion
   * at that score; afterwards scores come from a hash again. Lets a test decide when a loop stops.
   */
  queueScores(model: string, scores: number[]): void {
    this.scores.set(model, [...(this.scores.get(model) ?? []), ...scores]);
  }

  /**
   * The texts `model`'s next answers are (`*`: any model's), one per answer, streamed word by word;
   * evaluations and tool calls are not answers. Lets a test decide what a writer wrote.
   */
  queueAnswers(model: string, texts: string[]): void {
    this.answers.set(model, [...(this.answers.get(model) ?? []), ...texts]);
  }

  /** The headers of the last chat request `model` was sent (what an upstream sees of a client's). */
  headersOf(model: string): IncomingMessage['headers'] | undefined {
    return this.lastHeaders.get(model);
  }

  reset(): void {
    this.answers.clear();
    this.lastHeaders.clear();
    this.behaviours.clear();
    this.behaviours.set('*', this.defaults);
    this.faults.clear();
    this.scores.clear();
    this.stats = { requests: {}, formats: {}, endpoints: {}, clientAborts: 0, faultsServed: 0 };
  }

  getStats(): SimStats {
    return structuredClone(this.stats);
  }

  private behaviourOf(model: string): SimModelBehaviour {
    return { ...DEFAULT_BEHAVIOUR, ...this.behaviours.get('*'), ...this.behaviours.get(model) };
  }

  private takeScore(model: string): number | undefined {
    return takeQueued(this.scores, model);
  }

  private takeFault(model: string, wantsJson: boolean): Fault | undefined {
    const kind = wantsJson ? 'json' : 'text';
    for (const key of [model, '*']) {
      const queue = this.faults.get(key);
      const at = queue?.findIndex((f) => f.on === undefined || f.on === kind) ?? -1;
      if (queue === undefined || at < 0) continue;
      const fault = queue[at];
      if ((fault.skip ?? 0) > 0) {
        queue[at] = { ...fault, skip: (fault.skip ?? 0) - 1 };
        return undefined;
      }
      queue.splice(at, 1);
      this.stats.faultsServed += 1;
      return fault;
    }
    return undefined;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/v1/models') return this.listModels(res);
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/messages')) {
      const dialect = path === '/v1/messages' ? 'anthropic' : 'openai';
      const body = await readJson(req);
      if (body === undefined)
        return this.sendError(res, dialect, 400, 'invalid_request_error', 'Body is not valid JSON');
      if (!hasKey(req, dialect)) return this.sendError(res, dialect, 401, 'authentication_error', 'Missing API key');
      const parsed = parseChat(dialect, body);
      if (typeof parsed === 'string') return this.sendError(res, dialect, 400, 'invalid_request_error', parsed);
      return this.answer(req, res, parsed);
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') return this.countTokensOf(req, res);
    if (req.method === 'POST' && path === '/v1/embeddings') return this.embed(req, res);
    if (req.method === 'POST' && path === '/v1/responses') {
      const body = await readJson(req);
      if (body === undefined)
        return this.sendError(res, 'openai', 400, 'invalid_request_error', 'Body is not valid JSON');
      if (!hasKey(req, 'openai')) return this.sendError(res, 'openai', 401, 'authentication_error', 'Missing API key');
      const chat = responsesAsChat(body);
      const parsed = typeof chat === 'string' ? chat : parseChat('openai', chat);
      if (typeof parsed === 'string') return this.sendError(res, 'openai', 400, 'invalid_request_error', parsed);
      return this.answer(req, res, { ...parsed, responses: true });
    }
    if (path.startsWith('/_sim/')) return this.control(req, res, path);
    this.sendJson(res, 404, { error: { message: `No route ${req.method} ${path}`, type: 'not_found' } });
  }

  /** Anthropic's token counting: the input tokens the same Messages body would be billed for here. */
  private async countTokensOf(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (body === undefined)
      return this.sendError(res, 'anthropic', 400, 'invalid_request_error', 'Body is not valid JSON');
    if (!hasKey(req, 'anthropic'))
      return this.sendError(res, 'anthropic', 401, 'authentication_error', 'Missing API key');
    const parsed = parseChat('anthropic', { max_tokens: 1, ...body });
    if (typeof parsed === 'string') return this.sendError(res, 'anthropic', 400, 'invalid_request_error', parsed);
    this.stats.endpoints['/v1/messages/count_tokens'] = (this.stats.endpoints['/v1/messages/count_tokens'] ?? 0) + 1;
    this.lastHeaders.set(parsed.model, req.headers);
    this.sendJson(res, 200, { input_tokens: countChatTokens(parsed.texts) });
  }

  /** OpenAI's and Mistral's embeddings endpoint; faults are served as on chat (HTTP ones only). */
  private async embed(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (body === undefined)
      return this.sendError(res, 'openai', 400, 'invalid_request_error', 'Body is not valid JSON');
    if (!hasKey(req, 'openai')) return this.sendError(res, 'openai', 401, 'authentication_error', 'Missing API key');
    const model = typeof body.model === 'string' ? body.model : '';
    this.stats.requests[model] = (this.stats.requests[model] ?? 0) + 1;
    this.stats.endpoints['/v1/embeddings'] = (this.stats.endpoints['/v1/embeddings'] ?? 0) + 1;
    const fault = this.takeFault(model, false);
    if (fault !== undefined && fault.type !== 'invalid_json') return this.serveFault(res, 'openai', fault);
    const answer = simulatedEmbeddings(body);
    const { ttftMs } = this.behaviourOf(model);
    if (ttftMs > 0) await new Promise((r) => setTimeout(r, ttftMs));
    this.sendJson(res, answer.status, answer.body);
  }

  /** What `GET /v1/models` lists (as a self-hosted server lists what it has pulled); SIM_MODELS by default. */
  listModelsAs(ids: readonly string[]): void {
    this.listed = [...ids];
  }

  private listModels(res: ServerResponse): void {
    const created = 1_700_000_000;
    this.sendJson(res, 200, {
      object: 'list',
      data: this.listed.map((id) => ({ id, object: 'model', created, owned_by: 'orchestratex-simulator' })),
    });
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/_sim/stats')
      return this.sendJson(res, 200, this.getStats() as unknown as Json);
    const body = (await readJson(req)) ?? {};
    if (req.method === 'POST' && path === '/_sim/reset') {
      this.reset();
      return this.sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/_sim/config') {
      const { model = '*', ...behaviour } = body as Partial<SimModelBehaviour> & { model?: string };
      this.configure(model, behaviour);
      return this.sendJson(res, 200, { ok: true, model, behaviour: this.behaviourOf(model) });
    }
    if (req.method === 'POST' && path === '/_sim/scores') {
      const { model = '*', scores } = body as { model?: string; scores?: unknown };
      if (!Array.isArray(scores) || !scores.every((n) => typeof n === 'number' && n >= 1 && n <= 10)) {
        return this.sendJson(res, 400, { error: { message: 'scores must be an array of numbers from 1 to 10' } });
      }
      this.queueScores(model, scores as number[]);
      return this.sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/_sim/faults') {
      const { model = '*', times = 1, ...fault } = body as unknown as Fault & { model?: string; times?: number };
      if (!FAULT_TYPES.includes(fault.type)) {
        return this.sendJson(res, 400, { error: { message: `type must be one of ${FAULT_TYPES.join(', ')}` } });
      }
      this.injectFault(model, fault, times);
      return this.sendJson(res, 200, { ok: true });
    }
    this.sendJson(res, 404, { error: { message: `No route ${req.method} ${path}` } });
  }

  private async answer(req: IncomingMessage, res: ServerResponse, chat: ChatRequest): Promise<void> {
    this.stats.requests[chat.model] = (this.stats.requests[chat.model] ?? 0) + 1;
    this.lastHeaders.set(chat.model, req.headers);
    const endpoint = chat.responses
      ? '/v1/responses'
      : chat.dialect === 'openai'
        ? '/v1/chat/completions'
        : '/v1/messages';
    this.stats.endpoints[endpoint] = (this.stats.endpoints[endpoint] ?? 0) + 1;
    this.stats.formats[chat.format] = (this.stats.formats[chat.format] ?? 0) + 1;
    const behaviour = this.behaviourOf(chat.model);
    const fault = this.takeFault(chat.model, chat.wantsJson);
    let finished = false;
    res.on('close', () => {
      if (!finished) this.stats.clientAborts += 1;
    });

    const badJson = fault?.type === 'invalid_json';
    if (fault !== undefined && !badJson && !(chat.stream && (fault.type === 'reset' || fault.type === 'malformed'))) {
      this.serveFault(res, chat.dialect, fault);
      finished = fault.type !== 'hang';
      return;
    }

    const seed = `${chat.model}\n${chat.texts.join('\n')}`;
    const rng = new SeededWords(seed);
    const limit = Math.max(1, Math.min(chat.maxTokens ?? behaviour.outputTokens, behaviour.outputTokens));
    const truncated = chat.maxTokens !== undefined && chat.maxTokens < behaviour.outputTokens;
    // A council review asks for a ranking of labelled answers; any other judging request is an evaluation.
    const reviewed = /"ranking":\[((?:"[A-Z]",?)+)\]/.exec(chat.texts.join('\n'));
    const evaluation = () =>
      badJson
        ? 'The answer looks fine to me, but I would rather not rate it.'
        : reviewed
          ? simulatedReview(seed, JSON.parse(`[${reviewed[1]}]`) as string[], this.takeScore(chat.model))
          : simulatedEvaluation(seed, this.takeScore(chat.model));
    const calls = toolCallsFor(
      chat.ask,
      seed,
      chat.dialect === 'openai' ? 'call_sim_' : 'toolu_sim_',
      behaviour.toolRounds,
    );
    const fromSchema = chat.ask.schema !== null && !chat.judging;
    // JSON (an evaluation, or an object of the client's schema) streams in pieces of 24 characters,
    // so a stream can break inside one too; tool arguments likewise.
    const json =
      calls.length > 0
        ? ''
        : fromSchema
          ? JSON.stringify(valueFor(chat.ask.schema ?? {}, rng))
          : chat.wantsJson
            ? evaluation()
            : '';
    const chunked = (text: string) => text.match(/[\s\S]{1,24}/g) ?? [''];
    const scripted = calls.length > 0 || json !== '' ? undefined : takeQueued(this.answers, chat.model);
    const opening = scripted === undefined ? acknowledgement(chat.ask) : null;
    const pieces: Piece[] =
      calls.length > 0
        ? calls.flatMap((call, index): Piece[] => [
            { kind: 'tool_start', index, call },
            ...chunked(call.arguments).map((text): Piece => ({ kind: 'tool_args', index, text })),
          ])
        : (json !== ''
            ? chunked(json)
            : scripted !== undefined
              ? (scripted.match(/\s*\S+/g) ?? [''])
              : [...(opening ? [opening] : []), ...rng.tokens(limit)]
          ).map((text): Piece => ({
            kind: 'text',
            text,
          }));
    const outputTokens =
      calls.length > 0
        ? countTokens(calls.map((c) => c.name + c.arguments).join(''))
        : json !== '' || scripted !== undefined
          ? countTokens(json || (scripted ?? ''))
          : pieces.length - (opening ? 1 : 0) + (opening ? countTokens(opening) : 0);
    const inputTokens = countChatTokens(chat.texts);
    const usage = {
      inputTokens,
      outputTokens,
      cachedInputTokens: Math.min(behaviour.cachedInputTokens, inputTokens),
      reasoningTokens: Math.min(behaviour.reasoningTokens, outputTokens),
    };
    const stop = calls.length > 0 ? 'tool_calls' : truncated && json === '' ? 'length' : 'stop';
    // What an OpenAI-dialect answer reports (none, for a server that sends no usage).
    const reported = behaviour.omitUsage ? null : usage;
    const id = `${chat.responses ? 'resp' : chat.dialect === 'openai' ? 'chatcmpl' : 'msg'}_sim_${randomBytes(6).toString('hex')}`;

    await sleep(behaviour.ttftMs);
    if (res.destroyed) return;
    if (!chat.stream) {
      await sleep(behaviour.tokenMs * Math.max(0, pieces.length - 1));
      if (res.destroyed) return;
      const text = pieces.map((p) => (p.kind === 'text' ? p.text : '')).join('');
      this.sendJson(
        res,
        200,
        chat.responses
          ? responsesResult(id, chat, text, calls, stop, usage)
          : chat.dialect === 'openai'
            ? openAiCompletion(id, chat, text, calls, stop, reported)
            : anthropicMessage(id, chat, text, calls, stop, usage),
      );
      finished = true;
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const stream = chat.responses
      ? responsesStream(id, chat, stop, usage)
      : chat.dialect === 'openai'
        ? openAiStream(id, chat, stop, reported)
        : anthropicStream(id, chat, stop, usage);
    res.write(stream.start(calls.length > 0));
    for (let i = 0; i < pieces.length; i += 1) {
      if (i > 0) await sleep(behaviour.tokenMs);
      if (res.destroyed) return;
      if ((fault?.type === 'reset' || fault?.type === 'malformed') && i === (fault.afterTokens ?? 2)) {
        if (fault.type === 'reset') {
          // Let what was written reach the client, then cut the connection mid-stream.
          await new Promise((flushed) => res.write('', flushed));
          await sleep(5);
          res.socket?.destroy();
          return;
        }
        res.write(
          chat.dialect === 'openai'
            ? 'data: {"id": "broken", "choices": [{\n\n'
            : 'event: content_block_delta\ndata: {"type": "content_block_delta", "delta": {\n\n',
        );
      }
      res.write(stream.piece(pieces[i]));
    }
    res.end(stream.end(calls.length));
    finished = true;
  }

  private serveFault(res: ServerResponse, dialect: 'openai' | 'anthropic', fault: Fault): void {
    switch (fault.type) {
      case 'hang':
        return; // never answers: the client's timeout has to fire
      case 'reset':
        res.socket?.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "broken", "choices": [');
        return;
      case '429':
        return this.sendError(res, dialect, 429, 'rate_limit_error', 'Simulated rate limit', fault.retryAfterSeconds);
      case '503':
        return this.sendError(res, dialect, 503, 'overloaded_error', 'Simulated overload', fault.retryAfterSeconds);
      case '500':
        return this.sendError(res, dialect, 500, 'api_error', 'Simulated server error');
      case '401':
        return this.sendError(res, dialect, 401, 'authentication_error', 'Simulated invalid API key');
      case '400':
        return this.sendError(res, dialect, 400, 'invalid_request_error', 'Simulated bad request');
      case 'invalid_json':
        return; // not an HTTP fault: answer() sends text that is not JSON
    }
  }

  private sendError(
    res: ServerResponse,
    dialect: 'openai' | 'anthropic',
    status: number,
    type: string,
    message: string,
    retryAfter?: number,
  ): void {
    if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter));
    const body =
      dialect === 'openai'
        ? { error: { message, type, param: null, code: null } }
        : { type: 'error', error: { type, message } };
    this.sendJson(res, status, body);
  }

  private sendJson(res: ServerResponse, status: number, body: Json): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function hasKey(req: IncomingMessage, dialect: 'openai' | 'anthropic'): boolean {
  const header =
    dialect === 'anthropic' ? (req.headers['x-api-key'] ?? req.headers.authorization) : req.headers.authorization;
  return typeof header === 'string' && header.trim().length > 0;
}

async function readJson(req: IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && 'text' in part ? String((part as { text: unknown }).text) : '',
      )
      .join('');
  }
  return '';
}

function parseChat(dialect: 'openai' | 'anthropic', body: Json): ChatRequest | string {
  if (typeof body.model !== 'string' || body.model.length === 0) return 'model is required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages must be a non-empty array';
  const texts = (body.messages as Json[]).map((m) => textOf(m.content));
  const system = dialect === 'anthropic' ? textOf(body.system) : '';
  if (system) texts.unshift(system);
  const maxTokens = dialect === 'openai' ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  if (dialect === 'anthropic' && typeof maxTokens !== 'number') return 'max_tokens is required';
  const format = (body.response_format as Json | undefined)?.type;
  const everything = texts.join('\n');
  const ask = readAgentAsk(dialect, body);
  return {
    dialect,
    model: body.model,
    stream: body.stream === true,
    includeUsage: (body.stream_options as Json | undefined)?.include_usage === true,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
    texts,
    wantsJson:
      format === 'json_object' ||
      format === 'json_schema' ||
      ask.schema !== null ||
      /respond (only )?with (a )?json/i.test(everything),
    format:
      format === 'json_schema'
        ? `json_schema:${String(((body.response_format as Json).json_schema as Json | undefined)?.name)}`
        : format === 'json_object'
          ? 'json_object'
          : ask.schema !== null
            ? 'json_schema'
            : 'text',
    ask,
    // The engine's evaluation and review prompts give the shape they want, scores first.
    judging: /"scores":\{/.test(everything),
  };
}

interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
}

const now = () => Math.floor(Date.now() / 1000);

function openAiUsage(u: Usage): Json {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

const openAiToolCall = (call: SimToolCall) => ({
  id: call.id,
  type: 'function',
  function: { name: call.name, arguments: call.arguments },
});

function openAiCompletion(
  id: string,
  chat: ChatRequest,
  text: string,
  calls: SimToolCall[],
  stop: string,
  usage: Usage | null,
): Json {
  const body = chatCompletionBody(
    id,
    chat.model,
    calls.length > 0 ? null : text,
    stop,
    usage === null ? undefined : openAiUsage(usage),
    { system_fingerprint: 'orchestratex-simulator' },
  );
  if (calls.length > 0) Object.assign(body.choices[0].message, { tool_calls: calls.map(openAiToolCall) });
  return body;
}

function anthropicStop(stop: string): string {
  return stop === 'length' ? 'max_tokens' : stop === 'tool_calls' ? 'tool_use' : 'end_turn';
}

function anthropicUsage(u: Usage): Json {
  return {
    input_tokens: u.inputTokens - u.cachedInputTokens,
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedInputTokens,
    cache_creation_input_tokens: 0,
  };
}

function anthropicMessage(
  id: string,
  chat: ChatRequest,
  text: string,
  calls: SimToolCall[],
  stop: string,
  usage: Usage,
): Json {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: chat.model,
    content:
      calls.length > 0
        ? calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.arguments) as unknown }))
        : [{ type: 'text', text }],
    stop_reason: anthropicStop(stop),
    stop_sequence: null,
    usage: anthropicUsage(usage),
  };
}

interface StreamWriter {
  /** The opening events; `tools`: the answer is tool calls, not text. */
  start(tools: boolean): string;
  piece(piece: Piece): string;
  /** The closing events, after `calls` tool calls (0: a text answer). */
  end(calls: number): string;
}

function openAiStream(id: string, chat: ChatRequest, stop: string, usage: Usage | null): StreamWriter {
  const created = now();
  const chunk = (choices: Json[], extra: Json = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: chat.model, system_fingerprint: 'orchestratex-simulator', choices, ...extra })}\n\n`;
  const delta = (d: Json) => chunk([{ index: 0, delta: d, logprobs: null, finish_reason: null }]);
  return {
    start: (tools) => delta({ role: 'assistant', content: tools ? null : '' }),
    piece: (p) =>
      p.kind === 'text'
        ? delta({ content: p.text })
        : p.kind === 'tool_start'
          ? delta({
              tool_calls: [
                { index: p.index, id: p.call.id, type: 'function', function: { name: p.call.name, arguments: '' } },
              ],
            })
          : delta({ tool_calls: [{ index: p.index, function: { arguments: p.text } }] }),
    end: () =>
      chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: stop }]) +
      (chat.includeUsage && usage !== null ? chunk([], { usage: openAiUsage(usage) }) : '') +
      'data: [DONE]\n\n',
  };
}

function responsesResult(
  id: string,
  chat: ChatRequest,
  text: string,
  calls: SimToolCall[],
  stop: string,
  usage: Usage,
): Json {
  const output =
    calls.length > 0
      ? calls.map((c, i) => callItem(`fc_${id}_${i}`, c.id, c.name, c.arguments, 'completed'))
      : [messageItem(`msg_${id}`, text, 'completed')];
  return responseObject(id, chat.model, output, stop, usage);
}

/** The Responses API's events: created, in progress, each output item added, its deltas, done, completed. */
function responsesStream(id: string, chat: ChatRequest, stop: string, usage: Usage): StreamWriter {
  const events = new ResponsesEvents();
  const output: Json[] = [];
  let text = '';
  let args = '';
  const closeText = () => {
    const item = `msg_${id}`;
    const part = { type: 'output_text', text, annotations: [], logprobs: [] };
    output.push(messageItem(item, text, 'completed'));
    return (
      events.event('response.output_text.done', {
        item_id: item,
        output_index: 0,
        content_index: 0,
        text,
        logprobs: [],
      }) +
      events.event('response.content_part.done', { item_id: item, output_index: 0, content_index: 0, part }) +
      events.event('response.output_item.done', { output_index: 0, item: output[0] })
    );
  };
  const closeCall = (index: number, call: SimToolCall) => {
    const item = callItem(`fc_${id}_${index}`, call.id, call.name, args, 'completed');
    output.push(item);
    return (
      events.event('response.function_call_arguments.done', {
        item_id: item.id,
        output_index: index,
        name: call.name,
        arguments: args,
      }) + events.event('response.output_item.done', { output_index: index, item })
    );
  };
  let current: { index: number; call: SimToolCall } | null = null;
  return {
    start: (tools) => {
      const opening = responseObject(id, chat.model, [], stop, null);
      const item = `msg_${id}`;
      return (
        events.event('response.created', { response: opening }) +
        events.event('response.in_progress', { response: opening }) +
        (tools
          ? ''
          : events.event('response.output_item.added', {
              output_index: 0,
              item: messageItem(item, '', 'in_progress'),
            }) +
            events.event('response.content_part.added', {
              item_id: item,
              output_index: 0,
              content_index: 0,
              part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
            }))
      );
    },
    piece: (p) => {
      if (p.kind === 'text') {
        text += p.text;
        return events.event('response.output_text.delta', {
          item_id: `msg_${id}`,
          output_index: 0,
          content_index: 0,
          delta: p.text,
          logprobs: [],
        });
      }
      if (p.kind === 'tool_start') {
        const closing = current === null ? '' : closeCall(current.index, current.call);
        current = { index: p.index, call: p.call };
        args = '';
        return (
          closing +
          events.event('response.output_item.added', {
            output_index: p.index,
            item: callItem(`fc_${id}_${p.index}`, p.call.id, p.call.name, '', 'in_progress'),
          })
        );
      }
      args += p.text;
      return events.event('response.function_call_arguments.delta', {
        item_id: `fc_${id}_${p.index}`,
        output_index: p.index,
        delta: p.text,
      });
    },
    end: () => {
      const closing = current === null ? closeText() : closeCall(current.index, current.call);
      return (
        closing + events.event('response.completed', { response: responseObject(id, chat.model, output, stop, usage) })
      );
    },
  };
}

function anthropicStream(id: string, chat: ChatRequest, stop: string, usage: Usage): StreamWriter {
  const event = (name: string, data: Json) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  return {
    start: (tools) =>
      event('message_start', {
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: chat.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...anthropicUsage(usage), output_tokens: 1 },
        },
      }) +
      (tools ? '' : event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })) +
      event('ping', {}),
    piece: (p) =>
      p.kind === 'text'
        ? event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p.text } })
        : p.kind === 'tool_start'
          ? (p.index > 0 ? event('content_block_stop', { index: p.index - 1 }) : '') +
            event('content_block_start', {
              index: p.index,
              content_block: { type: 'tool_use', id: p.call.id, name: p.call.name, input: {} },
            })
          : event('content_block_delta', { index: p.index, delta: { type: 'input_json_delta', partial_json: p.text } }),
    end: (calls) =>
      event('content_block_stop', { index: Math.max(0, calls - 1) }) +
      event('message_delta', {
        delta: { stop_reason: anthropicStop(stop), stop_sequence: null },
        usage: { output_tokens: usage.outputTokens },
      }) +
      event('message_stop', {}),
  };
}

/** The next queued value for `model`, else for any model (`*`). */
function takeQueued<T>(queues: Map<string, T[]>, model: string): T | undefined {
  for (const key of [model, '*']) {
    const queue = queues.get(key);
    if (queue && queue.length > 0) return queue.shift();
  }
  return undefined;
}
