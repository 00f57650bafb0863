/**
 * Where the relay's answer goes, as events: headers, then either a stream (open, its events, close)
 * or a whole answer. The relay knows no transport; the route's sink writes the bytes.
 */
export interface RelaySink {
  /** A header of the answer (a key's limits, the cache's verdict), before it opens. */
  header(name: string, value: string): void;
  /** The stream begins: the model answering, and the time spent before the upstream call (ms). */
  open(model: string, overheadMs: number): void;
  /** One event of the stream in the client's dialect (`data: …`, maybe with its `event:` line). */
  event(line: string): void;
  /** The stream ends; its last event was sent. */
  close(): void;
  /** The whole answer, JSON text: the model that gave it, and the time spent outside the upstream call (ms). */
  whole(body: string, model: string, overheadMs: number): void;
}
