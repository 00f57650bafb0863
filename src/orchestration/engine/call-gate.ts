/**
 * The global bound on model calls in flight. New runs are refused while it is reached; calls of
 * running runs wait their turn (first come, first served) or give up when their run is cancelled.
 */
export class CallGate {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get busy(): boolean {
    return this.inFlight >= this.limit;
  }

  get current(): number {
    return this.inFlight;
  }

  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.inFlight < this.limit) {
      this.inFlight += 1;
    } else {
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          this.waiting.splice(this.waiting.indexOf(turn), 1);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        };
        this.waiting.push(turn);
        signal.addEventListener('abort', abort, { once: true });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined)
        next(); // the slot passes on
      else this.inFlight -= 1;
    };
  }
}
