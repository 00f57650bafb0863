import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { StoredKeySpend } from '../../analytics/stored-key-spend.js';
import { Cluster } from '../../cluster/cluster.js';
import { randomUUID } from 'node:crypto';
import { BUDGETS, windowsOf, type CallBound, type KeyBudget, type KeyLimits } from './key-limits.js';
import {
  EPSILON_USD,
  HOLD_LEASE_MS,
  KeyMeter,
  MINUTE_MS,
  retryOfBudget,
  type KeySpend,
  type RateState,
  type Refusal,
} from './key-meter.js';

interface LocalKey {
  days: Map<string, number>;
  total: number;
  holds: Map<string, CallBound & { until: number }>;
  requests: number[];
  tokens: { at: number; n: number }[];
}

/** One process: the counters in memory (every call of the process goes through it). */
@Injectable()
export class LocalKeyMeter extends KeyMeter implements OnApplicationBootstrap {
  private readonly keys = new Map<string, LocalKey>();
  private loaded: Promise<void> | null = null;

  constructor(
    private readonly stored: StoredKeySpend,
    private readonly cluster: Cluster,
  ) {
    super();
  }

  /** Loaded before any call is made (and recorded), so no call is counted twice or missed. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.cluster.enabled) await this.load();
  }

  private load(): Promise<void> {
    this.loaded ??= this.stored.byKeyAndDay().then((spend) => {
      for (const [keyId, days] of spend) {
        const key = this.key(keyId);
        for (const [day, usd] of days) key.days.set(day, (key.days.get(day) ?? 0) + usd);
        key.total = [...key.days.values()].reduce((a, b) => a + b, 0);
      }
    });
    return this.loaded;
  }

  private key(keyId: string): LocalKey {
    let key = this.keys.get(keyId);
    if (key === undefined) {
      key = { days: new Map(), total: 0, holds: new Map(), requests: [], tokens: [] };
      this.keys.set(keyId, key);
    }
    return key;
  }

  private state(key: LocalKey, now: number) {
    for (const [id, hold] of key.holds) if (hold.until < now) key.holds.delete(id);
    while (key.tokens.length > 0 && key.tokens[0].at <= now - MINUTE_MS) key.tokens.shift();
    const w = windowsOf(now);
    let month = 0;
    for (const [day, usd] of key.days) if (day.startsWith(w.month)) month += usd;
    let heldUsd = 0;
    let heldTokens = 0;
    for (const hold of key.holds.values()) {
      heldUsd += hold.usd ?? 0;
      heldTokens += hold.tokens;
    }
    return {
      spent: { usdPerDay: key.days.get(w.day) ?? 0, usdPerMonth: month, usdTotal: key.total } as Record<
        KeyBudget,
        number
      >,
      heldUsd,
      heldTokens,
      tokens: key.tokens.reduce((sum, t) => sum + t.n, 0),
    };
  }

  hit(keyId: string, rpm: number, now: number): Promise<RateState | Refusal> {
    const key = this.key(keyId);
    while (key.requests.length > 0 && key.requests[0] <= now - MINUTE_MS) key.requests.shift();
    if (key.requests.length >= rpm) {
      return Promise.resolve({
        limit: 'rpm',
        used: key.requests.length,
        retryAfterMs: key.requests[0] + MINUTE_MS - now,
      });
    }
    key.requests.push(now);
    return Promise.resolve({ remaining: rpm - key.requests.length, resetMs: key.requests[0] + MINUTE_MS - now });
  }

  async reserve(keyId: string, limits: KeyLimits, bound: CallBound, now: number): Promise<string | Refusal> {
    await this.load();
    // From here to the end nothing awaits: the check and the hold are one step.
    const key = this.key(keyId);
    const s = this.state(key, now);
    for (const budget of BUDGETS) {
      const limit = limits[budget];
      if (limit === null) continue;
      const used = s.spent[budget] + s.heldUsd;
      if (used + (bound.usd ?? 0) > limit + EPSILON_USD) {
        return { limit: budget, used, retryAfterMs: retryOfBudget(budget, now) };
      }
    }
    if (limits.tpm !== null && s.tokens + s.heldTokens + bound.tokens > limits.tpm) {
      const used = s.tokens + s.heldTokens;
      const retry = bound.tokens > limits.tpm || key.tokens.length === 0 ? null : key.tokens[0].at + MINUTE_MS - now;
      return { limit: 'tpm', used, retryAfterMs: retry };
    }
    const id = randomUUID();
    key.holds.set(id, { ...bound, until: now + HOLD_LEASE_MS });
    return id;
  }

  async settle(keyId: string, hold: string | null, usd: number, tokens: number, now: number): Promise<void> {
    await this.load();
    const key = this.key(keyId);
    if (hold !== null) key.holds.delete(hold);
    if (usd > 0) {
      const day = windowsOf(now).day;
      key.days.set(day, (key.days.get(day) ?? 0) + usd);
      key.total += usd;
    }
    // Every call is counted, limits or not: what is past the minute goes at once, or a key without
    // a tpm (whose state nothing else reads) would keep every call it ever made.
    while (key.tokens.length > 0 && key.tokens[0].at <= now - MINUTE_MS) key.tokens.shift();
    if (tokens > 0) key.tokens.push({ at: now, n: tokens });
  }

  async spend(keyId: string, now: number): Promise<KeySpend> {
    await this.load();
    const s = this.state(this.key(keyId), now);
    return {
      usdToday: s.spent.usdPerDay,
      usdThisMonth: s.spent.usdPerMonth,
      usdTotal: s.spent.usdTotal,
      usdHeld: s.heldUsd,
      tokensLastMinute: s.tokens + s.heldTokens,
    };
  }
}
