import type { FastifyReply } from 'fastify';
import { ChunkWriter } from './chunk-writer.js';
import type { RelaySink } from './relay-sink.js';
import { MODEL_HEADER, OVERHEAD_HEADER } from './upstream.js';

/** The relay's answer written on a Fastify reply: a whole JSON body, or an SSE stream (the one writer, ChunkWriter). */
export class ReplySink implements RelaySink {
  private readonly writer: ChunkWriter;

  constructor(private readonly reply: FastifyReply) {
    this.writer = new ChunkWriter(reply, {});
  }

  header(name: string, value: string): void {
    void this.reply.header(name, value);
  }

  open(model: string, overheadMs: number): void {
    void this.reply.header(OVERHEAD_HEADER, overheadMs.toFixed(2)).header(MODEL_HEADER, model);
    this.writer.open();
  }

  event(line: string): void {
    this.writer.raw(line);
  }

  close(): void {
    // A stream the provider ended without an event still answers as a stream.
    this.writer.open();
    this.writer.close();
  }

  whole(body: string, model: string, overheadMs: number): void {
    void this.reply
      .header(OVERHEAD_HEADER, overheadMs.toFixed(2))
      .header(MODEL_HEADER, model)
      .type('application/json')
      .send(body);
  }
}
