/** Text deltas gathered for at most this long or this many characters before one event goes out. */
const DELTA_FLUSH_MS = 50;
const DELTA_FLUSH_CHARS = 400;

/** A step's streamed text, passed on in fewer, larger events (one per 50 ms or 400 characters). */
export class DeltaCoalescer {
  private buffer = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly emit: (text: string) => void) {}

  push(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= DELTA_FLUSH_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), DELTA_FLUSH_MS);
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = '';
    this.emit(text);
  }
}
