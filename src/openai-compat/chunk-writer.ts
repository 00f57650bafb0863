import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { NormalizedUsage } from '../providers/provider.types.js';
import { OpenAiError } from './openai-error.js';

/** An id like the provider's own (randomUUID draws from a buffered pool; randomBytes costs a syscall each time). */
export const orxId = (prefix: string) => `${prefix}orx${randomUUID().replaceAll('-', '')}`;
export const completionId = () => orxId('chatcmpl-');

export function usageOf(u: NormalizedUsage | null) {
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
export class ChunkWriter {
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
