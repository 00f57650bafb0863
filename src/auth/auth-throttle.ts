import { HttpException, HttpStatus } from '@nestjs/common';

/** The most client addresses tracked at once; past it the oldest window is forgotten. */
const MAX_ADDRESSES = 100_000;

/**
 * Counts failed authentications in fixed windows, per name (a client address, a key's first
 * characters). A name past the limit is refused (429) until its window ends, without its key being
 * looked up: guessing keys costs the guesser time, not the server database reads. In-process:
 * each instance counts its own.
 */
export class AuthThrottle {
  private readonly windows = new Map<string, { failures: number; until: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until `address` may try again, or 0 when it may try now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const window = this.windows.get(address);
    if (window === undefined) return 0;
    if (window.until <= now) {
      this.windows.delete(address);
      return 0;
    }
    return window.failures >= this.limit ? window.until - now : 0;
  }

  fail(address: string, now = Date.now()): void {
    let window = this.windows.get(address);
    if (window === undefined || window.until <= now) {
      this.windows.delete(address);
      if (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value as string);
      window = { failures: 0, until: now + this.windowMs };
      this.windows.set(address, window);
    }
    window.failures += 1;
  }
}

/** Raised instead of checking a key from an address that failed too often: a 429 with Retry-After. */
export class TooManyAuthFailures extends HttpException {
  constructor(readonly retryAfterMs: number) {
    super(
      `Too many failed authentications from this address with this key; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
