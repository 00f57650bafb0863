import { redactSecrets } from '../common/secrets.js';

export const ERROR_CLASSES = [
  'rate_limited',
  'timeout',
  'upstream_5xx',
  'auth',
  'bad_request',
  'not_found',
  'network',
  'malformed',
  'cancelled',
  'cooling_down',
  /** Refused by the API key's own limits (budget, tpm, allowed models) before any call was made. */
  'key_limit',
  'unknown',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

const RETRYABLE: ReadonlySet<ErrorClass> = new Set(['rate_limited', 'timeout', 'upstream_5xx', 'network', 'malformed']);

/**
 * A failed provider call, classified, with the provider's own message: every upstream error text
 * passes through here, so secrets are taken out here (a provider that echoes its key in a 401).
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  /** Not retried on its model: another target takes over (a model that timed out while others wait). */
  handOver = false;

  constructor(
    readonly errorClass: ErrorClass,
    message: string,
    readonly details: {
      provider?: string;
      model?: string;
      status?: number;
      retryAfterMs?: number;
      /** Whose call failed (the cooldown for everyone needs failures of two owners). */
      owner?: string;
    } = {},
  ) {
    super(redactSecrets(message));
  }

  /** 408, 409, 429, 5xx, timeouts, network errors and broken streams are worth another try. */
  get retryable(): boolean {
    return RETRYABLE.has(this.errorClass);
  }

  /** Whether the failure says something about the model's health (counts towards its cooldown). */
  get countsAgainstModel(): boolean {
    return this.retryable;
  }
}

/** Classifies an HTTP status the way every provider uses it. */
export function classOfStatus(status: number): ErrorClass {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status === 409) return 'upstream_5xx';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'upstream_5xx';
  if (status >= 400) return 'bad_request';
  return 'unknown';
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
