import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOn } from '../simulator/listen.js';
import { chatCompletionBody } from '../src/common/openai-wire.js';
import {
  loadLlamaCpp,
  type ChatHistoryItem,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
} from './llama-runtime.js';

/**
 * One name the server answers to: the same weights, with the sampling a request that sets none
 * gets. Two names let the strategies that need two distinct models (improve, cascade, council,
 * debate) run on one real model: they are two samplers of it, not two models.
 */
export interface LocalModelName {
  id: string;
  temperature: number;
  seed: number;
}

export interface LocalModelServerOptions {
  modelPath: string;
  names: LocalModelName[];
  /** CPU threads llama.cpp uses (one here: the machine has two cores and the server shares them). */
  threads?: number;
  contextSize?: number;
  /** Told of a first-use install of node-llama-cpp. */
  log?: (line: string) => void;
}

/** What it has served, for the figures a suite or a demo prints. */
export interface LocalModelStats {
  requests: number;
  refused: number;
  promptTokens: number;
  completionTokens: number;
  /** Time spent generating (the queue's wait not counted). */
  generationMs: number;
  /** Requests that asked for a JSON schema (enforced with a grammar). */
  schemaRequests: number;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** The request fields this server honours; any other is refused, never silently dropped. */
const FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'seed',
  'stop',
  'response_format',
  'stream',
  'stream_options',
  'n',
  'user',
]);
const DEFAULT_MAX_TOKENS = 512;

interface Completion {
  history: ChatHistoryItem[];
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP?: number;
  seed: number;
  stop: string[];
  format: { kind: 'text' } | { kind: 'json' } | { kind: 'schema'; schema: Record<string, unknown> };
  stream: boolean;
  includeUsage: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, i) => {
        if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
        throw new RequestError(400, `${at}[${i}]: only text parts are supported by this local model`, at);
      })
      .join('');
  }
  throw new RequestError(400, `${at}: must be a string or an array of text parts`, at);
}

function numberIn(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RequestError(400, `${field}: must be a number from ${min} to ${max}`, field);
  }
  return value;
}

/**
 * An OpenAI-compatible Chat Completions endpoint (`POST /v1/chat/completions`, `GET /v1/models`)
 * over node-llama-cpp, as a user would run llama.cpp's server: one request generates at a time,
 * the others wait their turn. `response_format: json_schema` is enforced with a grammar made from
 * the schema, `json_object` with llama.cpp's JSON grammar.
 */
export class LocalModelServer {
  readonly stats: LocalModelStats = {
    requests: 0,
    refused: 0,
    promptTokens: 0,
    completionTokens: 0,
    generationMs: 0,
    schemaRequests: 0,
  };
  private server?: Server;
  private turn: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly created = Math.floor(Date.now() / 1000);

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
    private readonly names: LocalModelName[],
  ) {}

  /** Loads the model (CPU only; never builds llama.cpp: the prebuilt binaries or an error). */
  static async load(options: LocalModelServerOptions): Promise<LocalModelServer> {
    const { getLlama } = await loadLlamaCpp(options.log);
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({
      threads: options.threads ?? 1,
      contextSize: options.contextSize ?? 8192,
      sequences: 1,
    });
    return new LocalModelServer(llama, model, context, context.getSequence(), options.names);
  }

  /** Tokens generated per second of generation so far. */
  tokensPerSecond(): number {
    return this.stats.generationMs === 0 ? 0 : (this.stats.completionTokens * 1000) / this.stats.generationMs;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (error instanceof RequestError) this.stats.refused += 1;
        const status = error instanceof RequestError ? error.status : 500;
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) {
          this.sendJson(res, status, {
            error: {
              message,
              type: status === 500 ? 'server_error' : 'invalid_request_error',
              param: error instanceof RequestError ? error.param : null,
              code: error instanceof RequestError ? error.code : null,
            },
          });
        } else if (!res.writableEnded) {
          res.end(`data: ${JSON.stringify({ error: { message, type: 'server_error' } })}\n\n`);
        }
      });
    });
    return listenOn(this.server, port, host, 'LOCAL_MODEL_PORT');
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/v1/models') {
      return this.sendJson(res, 200, {
        object: 'list',
        data: this.names.map((n) => ({ id: n.id, object: 'model', created: this.created, owned_by: 'local' })),
      });
    }
    if (req.method === 'GET' && path === '/stats') {
      return this.sendJson(res, 200, { ...this.stats, tokensPerSecond: this.tokensPerSecond() });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      throw new RequestError(404, `No route ${req.method} ${path}`);
    }
    const body = await this.readJson(req);
    const name = this.names.find((n) => n.id === body.model);
    if (!name) {
      throw new RequestError(404, `The model ${JSON.stringify(body.model)} does not exist`, 'model', 'model_not_found');
    }
    const completion = this.parse(body, name);
    this.stats.requests += 1;
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    if (completion.stream) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.flushHeaders();
    }
    // One generation at a time, in arrival order: a request waits for the one before it.
    const mine = this.turn.then(() => this.generate(completion, name, res, abort.signal));
    this.turn = mine.catch(() => undefined);
    await mine;
  }

  private parse(body: Record<string, unknown>, name: LocalModelName): Completion {
    const unknown = Object.keys(body).filter((k) => !FIELDS.has(k));
    if (unknown.length > 0) {
      throw new RequestError(400, `${unknown.join(', ')}: not supported by this local model`, unknown[0]);
    }
    if (body.n !== undefined && body.n !== 1) throw new RequestError(400, 'n: only 1 is supported', 'n');
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw new RequestError(400, 'messages: must be a non-empty array', 'messages');
    }
    const messages = body.messages.map((m: unknown, i) => {
      if (!isRecord(m) || !['system', 'developer', 'user', 'assistant'].includes(m.role as string)) {
        throw new RequestError(400, `messages[${i}].role: must be system, developer, user or assistant`, 'messages');
      }
      return { role: m.role as string, text: textOf(m.content, `messages[${i}].content`) };
    });
    const last = messages.pop();
    if (last?.role !== 'user') throw new RequestError(400, 'messages: the last message must be the user’s', 'messages');
    const history = messages.map((m): ChatHistoryItem =>
      m.role === 'assistant'
        ? { type: 'model', response: [m.text] }
        : { type: m.role === 'user' ? 'user' : 'system', text: m.text },
    );
    const maxTokens = numberIn(body, 'max_completion_tokens', 1, 32_768) ?? numberIn(body, 'max_tokens', 1, 32_768);
    const stop =
      body.stop === undefined || body.stop === null ? [] : Array.isArray(body.stop) ? body.stop : [body.stop];
    if (stop.length > 4 || stop.some((s) => typeof s !== 'string' || s === '')) {
      throw new RequestError(400, 'stop: must be a string or up to 4 non-empty strings', 'stop');
    }
    const seed = numberIn(body, 'seed', 0, 2 ** 31 - 1);
    return {
      history,
      prompt: last.text,
      maxTokens: Math.floor(maxTokens ?? DEFAULT_MAX_TOKENS),
      temperature: numberIn(body, 'temperature', 0, 2) ?? name.temperature,
      topP: numberIn(body, 'top_p', 0, 1),
      seed: seed === undefined ? name.seed : Math.floor(seed),
      stop: stop as string[],
      format: this.formatOf(body.response_format),
      stream: body.stream === true,
      includeUsage: isRecord(body.stream_options) && body.stream_options.include_usage === true,
    };
  }

  private formatOf(format: unknown): Completion['format'] {
    if (format === undefined || format === null) return { kind: 'text' };
    if (isRecord(format) && format.type === 'text') return { kind: 'text' };
    if (isRecord(format) && format.type === 'json_object') return { kind: 'json' };
    if (
      isRecord(format) &&
      format.type === 'json_schema' &&
      isRecord(format.json_schema) &&
      isRecord(format.json_schema.schema)
    ) {
      return { kind: 'schema', schema: format.json_schema.schema };
    }
    throw new RequestError(
      400,
      'response_format: must be {type: "text"}, {type: "json_object"} or {type: "json_schema", json_schema: {schema}}',
      'response_format',
    );
  }

  private grammarOf(format: Completion['format']): Promise<LlamaGrammar> | undefined {
    if (format.kind === 'text') return undefined;
    const key = format.kind === 'json' ? 'json' : JSON.stringify(format.schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = (
        format.kind === 'json' ? this.llama.getGrammarFor('json') : this.llama.createGrammarForJsonSchema(format.schema)
      ).catch((error: unknown) => {
        this.grammars.delete(key);
        throw new RequestError(
          400,
          `response_format: this schema cannot be enforced: ${String(error)}`,
          'response_format',
        );
      });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  private async generate(completion: Completion, name: LocalModelName, res: ServerResponse, signal: AbortSignal) {
    if (signal.aborted) return;
    const grammar = await this.grammarOf(completion.format);
    if (completion.format.kind === 'schema') this.stats.schemaRequests += 1;
    const { LlamaChatSession, TokenMeter } = await loadLlamaCpp();
    // A clean sequence each time: every prompt token is evaluated, so the meter counts them all.
    await this.sequence.clearHistory();
    const before = this.sequence.tokenMeter.getState();
    const session = new LlamaChatSession({ contextSequence: this.sequence, autoDisposeSequence: false });
    session.setChatHistory([...completion.history]);
    const id = `chatcmpl-local-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) => ({
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: name.id,
      choices: finish === 'usage' ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(usage ? { usage } : {}),
    });
    const started = Date.now();
    let first = true;
    try {
      const result = await session.promptWithMeta(completion.prompt, {
        maxTokens: completion.maxTokens,
        temperature: completion.temperature,
        topP: completion.topP,
        seed: completion.seed,
        grammar,
        customStopTriggers: completion.stop.length > 0 ? completion.stop : undefined,
        signal,
        stopOnAbortSignal: true,
        onTextChunk: (text) => {
          if (!completion.stream || text === '') return;
          res.write(
            `data: ${JSON.stringify(chunk(first ? { role: 'assistant', content: text } : { content: text }, null))}\n\n`,
          );
          first = false;
        },
      });
      const used = TokenMeter.diff(this.sequence.tokenMeter, before);
      const usage = {
        prompt_tokens: used.usedInputTokens,
        completion_tokens: used.usedOutputTokens,
        total_tokens: used.usedInputTokens + used.usedOutputTokens,
      };
      this.stats.promptTokens += usage.prompt_tokens;
      this.stats.completionTokens += usage.completion_tokens;
      this.stats.generationMs += Date.now() - started;
      if (signal.aborted) return;
      const finish = result.stopReason === 'maxTokens' ? 'length' : 'stop';
      if (completion.stream) {
        res.write(`data: ${JSON.stringify(chunk(first ? { role: 'assistant', content: '' } : {}, finish))}\n\n`);
        if (completion.includeUsage) res.write(`data: ${JSON.stringify(chunk({}, 'usage', usage))}\n\n`);
        res.end('data: [DONE]\n\n');
      } else {
        this.sendJson(res, 200, chatCompletionBody(id, name.id, result.responseText, finish, usage));
      }
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }

  private async readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (isRecord(body)) return body;
    } catch {
      // answered below
    }
    throw new RequestError(400, 'The body must be a JSON object');
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
