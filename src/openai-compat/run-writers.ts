import type { FastifyReply } from 'fastify';
import type { RunResponseDto } from '../orchestration/dto/run.response.dto.js';
import { ChunkWriter, usageOf } from './chunk-writer.js';
import { anthropicEvent, MessageEvents } from './messages-translation.js';
import { OpenAiError } from './openai-error.js';

/** A run's tokens as the usage of one completion: every call of the run. */
export const runUsage = (run: RunResponseDto) =>
  usageOf({
    inputTokens: run.totals.inputTokens,
    outputTokens: run.totals.outputTokens,
    cachedInputTokens: 0,
    reasoningTokens: 0,
  });

export const runFailure = (run: RunResponseDto) =>
  new OpenAiError(
    run.status === 'failed' ? 502 : 409,
    `run ${run.id} ended ${run.status}: ${run.error?.message ?? 'no answer'}`,
    {
      type: 'api_error',
      code: run.error?.errorClass ?? run.status,
    },
  );

/** A run streamed to a client in its wire protocol: the answer's text, progress comments, the end. */
export interface RunWriter {
  start(): void;
  text(text: string): void;
  comment(text: string): void;
  fail(error: OpenAiError): void;
  finish(run: RunResponseDto): void;
}

/** A run as Chat Completions chunks; the usage chunk (the whole run's, with its calls and cost) when asked for. */
export class OpenAiRunWriter implements RunWriter {
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
export class AnthropicRunWriter implements RunWriter {
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
