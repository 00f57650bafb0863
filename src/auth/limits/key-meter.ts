import { windowsOf, type KeyBudget, type CallBound, type KeyLimits } from './key-limits.js';

export const MINUTE_MS = 60_000;
/** A reservation whose call never settled (its process died) is dropped after this long. */
export const HOLD_LEASE_MS = 15 * MINUTE_MS;
/** Money is compared with this much slack (sums of floating-point prices). */
export const EPSILON_USD = 1e-9;

/** A request or a call the limits refused, and what the client is told. */
export interface Refusal {
  limit: KeyBudget | 'rpm' | 'tpm';
  /** What is used of it now (USD, requests or tokens), reservations included. */
  used: number;
  /** The milliseconds after which it may pass again; null when waiting does not help. */
  retryAfterMs: number | null;
}

/** The rpm window after a request passed: for `x-ratelimit-*-requests`. */
export interface RateState {
  remaining: number;
  resetMs: number;
}

export interface KeySpend {
  usdToday: number;
  usdThisMonth: number;
  usdTotal: number;
  /** Held by calls in flight (their most), settled to their real cost when they end. */
  usdHeld: number;
  /** Tokens of the last minute, and held by calls in flight. */
  tokensLastMinute: number;
}

/**
 * The counters behind a key's limits: spend per UTC day, month and in total, its requests and
 * tokens of the last minute, and reservations held by calls in flight. Checking and reserving is one
 * atomic step, so concurrent calls cannot overshoot a limit. One process counts in memory
 * (`LocalKeyMeter`); a cluster in Redis (`RedisKeyMeter`). Spend starts from what the analytics module stored of every call of a key.
 */
export abstract class KeyMeter {
  /** Counts a request against `rpm`, or refuses it. */
  abstract hit(keyId: string, rpm: number, now: number): Promise<RateState | Refusal>;
  /** Holds `bound` against the key's budgets and tpm, or refuses; the id settles it. */
  abstract reserve(keyId: string, limits: KeyLimits, bound: CallBound, now: number): Promise<string | Refusal>;
  /** Replaces a reservation (or nothing: `hold` null) with what the call really cost and used. */
  abstract settle(keyId: string, hold: string | null, usd: number, tokens: number, now: number): Promise<void>;
  abstract spend(keyId: string, now: number): Promise<KeySpend>;
}

export const isRefusal = (value: unknown): value is Refusal =>
  typeof value === 'object' && value !== null && 'limit' in value;

/** When a budget's window ends (a day's, a month's); null for the total, which never does. */
export const retryOfBudget = (limit: KeyBudget, now: number): number | null => {
  const w = windowsOf(now);
  return limit === 'usdPerDay' ? w.dayEndsAt - now : limit === 'usdPerMonth' ? w.monthEndsAt - now : null;
};
