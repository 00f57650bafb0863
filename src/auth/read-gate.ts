import { HttpException, HttpStatus } from '@nestjs/common';

/** Reads (GET /api…) of one key served at once; the others wait their turn. */
export const READS_AT_ONCE = 4;
/** Reads of one key waiting at most; past it a read is refused (429) instead of queued. */
const READS_WAITING = 64;

/** More reads of a key waiting than the gate queues: a 429 with Retry-After. */
export class TooManyReads extends HttpException {
  readonly retryAfterMs = 1000;

  constructor() {
    super(
      `Too many reads of this API key at once: ${READS_AT_ONCE} are served at a time and ${READS_WAITING} may wait; try again shortly`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Per-key concurrency of reads: a key's list and event reads (each may scan a collection) go
 * READS_AT_ONCE at a time, so one tenant's burst of reads queues behind itself instead of slowing
 * every other tenant's reads.
 */
export class ReadGate {
  private readonly keys = new Map<string, { running: number; waiting: (() => void)[] }>();

  /** Waits for a turn of the key; returns the way to give it back (call it once). */
  async enter(keyId: string): Promise<() => void> {
    let state = this.keys.get(keyId);
    if (state === undefined) {
      state = { running: 0, waiting: [] };
      this.keys.set(keyId, state);
    }
    const own = state;
    if (own.running >= READS_AT_ONCE) {
      if (own.waiting.length >= READS_WAITING) throw new TooManyReads();
      await new Promise<void>((resolve) => own.waiting.push(resolve));
    } else own.running += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = own.waiting.shift();
      if (next !== undefined) return next(); // the turn passes on: running stays the same
      own.running -= 1;
      if (own.running === 0 && this.keys.get(keyId) === own) this.keys.delete(keyId);
    };
  }
}
