import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoredKeySpend } from '../../analytics/stored-key-spend.js';
import { Cluster, PREFIX } from '../../cluster/cluster.js';
import { windowsOf, type CallBound, type KeyBudget, type KeyLimits } from './key-limits.js';
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

/** The longest a request waits for Redis to check its key's limits before it is answered 503. */
const CHECK_TIMEOUT_MS = 1000;

const spendKey = (keyId: string) => `${PREFIX}spend:${keyId}`;
const holdsKey = (keyId: string) => `${PREFIX}holds:${keyId}`;
const tokensKey = (keyId: string) => `${PREFIX}tpm:${keyId}`;
const requestsKey = (keyId: string) => `${PREFIX}rpm:${keyId}`;
/** Set once the spend hashes hold the stored spend (again after Redis lost its data). */
const READY = `${PREFIX}spend:ready`;
const LOADING = `${PREFIX}spend:loading`;

/** Sums a key's live holds (dropping expired ones) and its tokens of the last minute. */
const STATE = `
local now = tonumber(ARGV[1])
local heldUsd, heldTokens = 0, 0
local holds = redis.call('HGETALL', KEYS[2])
for i = 1, #holds, 2 do
  local usd, tokens, untilAt = string.match(holds[i + 1], '(%S+) (%S+) (%S+)')
  if tonumber(untilAt) < now then redis.call('HDEL', KEYS[2], holds[i])
  else heldUsd = heldUsd + tonumber(usd); heldTokens = heldTokens + tonumber(tokens) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 60000)
local used, oldest = 0, nil
local entries = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], '%S+ (%S+)'))
  if oldest == nil then oldest = tonumber(entries[i + 1]) end
end
local function spent(field) return tonumber(redis.call('HGET', KEYS[1], field) or '0') end
`;

/**
 * KEYS: spend, holds, tokens, ready. ARGV: now, day field, month field, usd, tokens, hold id, lease
 * end, then the limits usdPerDay, usdPerMonth, usdTotal, tpm (-1: none).
 * Returns {'ok'}, {'unready'}, or {limit, used, oldest token entry}.
 */
const RESERVE = `
if redis.call('EXISTS', KEYS[4]) == 0 then return {'unready'} end
${STATE}
local usd, tokens = tonumber(ARGV[4]), tonumber(ARGV[5])
local budgets = { {'usdPerDay', ARGV[2], ARGV[8]}, {'usdPerMonth', ARGV[3], ARGV[9]}, {'usdTotal', 't', ARGV[10]} }
for _, b in ipairs(budgets) do
  local limit = tonumber(b[3])
  if limit >= 0 then
    local u = spent(b[2]) + heldUsd
    if u + usd > limit + ${EPSILON_USD} then return {b[1], tostring(u), ''} end
  end
end
local tpm = tonumber(ARGV[11])
if tpm >= 0 and used + heldTokens + tokens > tpm then
  return {'tpm', tostring(used + heldTokens), tostring(oldest or '')}
end
redis.call('HSET', KEYS[2], ARGV[6], ARGV[4] .. ' ' .. ARGV[5] .. ' ' .. ARGV[7])
redis.call('PEXPIRE', KEYS[2], ${HOLD_LEASE_MS * 4})
return {'ok'}
`;

/** KEYS: spend, holds, tokens. ARGV: hold id, day field, month field, usd, tokens, now. */
const SETTLE = `
redis.call('HDEL', KEYS[2], ARGV[1])
if tonumber(ARGV[4]) > 0 then
  redis.call('HINCRBYFLOAT', KEYS[1], 't', ARGV[4])
  redis.call('HINCRBYFLOAT', KEYS[1], ARGV[2], ARGV[4])
  redis.call('HINCRBYFLOAT', KEYS[1], ARGV[3], ARGV[4])
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[6]) - 60000)
if tonumber(ARGV[5]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1] .. ' ' .. ARGV[5])
  redis.call('PEXPIRE', KEYS[3], 120000)
end
return 1
`;

/** KEYS: spend, holds, tokens. ARGV: now, day field, month field. */
const SPEND = `
${STATE}
return {tostring(spent(ARGV[2])), tostring(spent(ARGV[3])), tostring(spent('t')), tostring(heldUsd), tostring(used + heldTokens)}
`;

/** KEYS: requests. ARGV: now, member, rpm. Returns {1, remaining, oldest} or {0, count, oldest}. */
const HIT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, n, oldest[2]}
end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], 60000)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {1, tonumber(ARGV[3]) - n - 1, oldest[2]}
`;

/** A cluster: the counters in Redis, shared by every API instance and worker, each step one script. */
@Injectable()
export class RedisKeyMeter extends KeyMeter implements OnApplicationBootstrap {
  private readonly logger = new Logger(RedisKeyMeter.name);
  /** Checks on a request's path: they fail at once while Redis is away (the request gets a 503). */
  private checks: Redis | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly stored: StoredKeySpend,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.cluster.enabled) return;
    this.checks = this.cluster.connect('limits', { failFastMs: CHECK_TIMEOUT_MS });
    await this.ready();
    if (this.checks.status !== 'ready') await new Promise((r) => this.checks?.once('ready', r));
  }

  private get fast(): Redis {
    return this.checks ?? this.cluster.redis;
  }

  /**
   * Loads the stored spend into Redis once for the cluster: the process that takes the loading lock
   * adds every key's spend and sets the ready flag; the others wait for it.
   */
  private async ready(): Promise<void> {
    const redis = this.cluster.redis;
    for (let waited = 0; (await redis.exists(READY)) === 0; waited += 100) {
      if ((await redis.set(LOADING, this.cluster.writerId, 'PX', 60_000, 'NX')) === 'OK') {
        const spend = await this.stored.byKeyAndDay();
        const batch = redis.multi();
        for (const [keyId, days] of spend) {
          for (const [day, usd] of days) {
            batch.hincrbyfloat(spendKey(keyId), 't', usd);
            batch.hincrbyfloat(spendKey(keyId), `d:${day}`, usd);
            batch.hincrbyfloat(spendKey(keyId), `m:${day.slice(0, 7)}`, usd);
          }
        }
        batch.set(READY, '1').del(LOADING);
        await batch.exec();
        this.logger.log(`Key spend loaded into Redis for ${spend.size} keys`);
        return;
      }
      if (waited > 120_000) throw new Error('the key spend was not loaded into Redis within 2 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async hit(keyId: string, rpm: number, now: number): Promise<RateState | Refusal> {
    const [ok, n, oldest] = (await this.fast.eval(HIT, 1, requestsKey(keyId), now, randomUUID(), rpm)) as [
      number,
      number,
      string,
    ];
    const resetMs = Number(oldest) + MINUTE_MS - now;
    return ok === 1 ? { remaining: n, resetMs } : { limit: 'rpm', used: n, retryAfterMs: resetMs };
  }

  async reserve(keyId: string, limits: KeyLimits, bound: CallBound, now: number): Promise<string | Refusal> {
    const w = windowsOf(now);
    const id = randomUUID();
    const limit = (v: number | null) => (v === null ? -1 : v);
    const answer = (await this.fast.eval(
      RESERVE,
      4,
      spendKey(keyId),
      holdsKey(keyId),
      tokensKey(keyId),
      READY,
      now,
      `d:${w.day}`,
      `m:${w.month}`,
      bound.usd ?? 0,
      bound.tokens,
      id,
      now + HOLD_LEASE_MS,
      limit(limits.usdPerDay),
      limit(limits.usdPerMonth),
      limit(limits.usdTotal),
      limit(limits.tpm),
    )) as string[];
    if (answer[0] === 'ok') return id;
    if (answer[0] === 'unready') {
      // Redis lost its data (a restart without persistence): load the stored spend again.
      await this.ready();
      return this.reserve(keyId, limits, bound, now);
    }
    const name = answer[0] as KeyBudget | 'tpm';
    const used = Number(answer[1]);
    if (name !== 'tpm') return { limit: name, used, retryAfterMs: retryOfBudget(name, now) };
    const retry = bound.tokens > (limits.tpm ?? 0) || answer[2] === '' ? null : Number(answer[2]) + MINUTE_MS - now;
    return { limit: 'tpm', used, retryAfterMs: retry };
  }

  async settle(keyId: string, hold: string | null, usd: number, tokens: number, now: number): Promise<void> {
    const w = windowsOf(now);
    await this.cluster.redis.eval(
      SETTLE,
      3,
      spendKey(keyId),
      holdsKey(keyId),
      tokensKey(keyId),
      hold ?? randomUUID(),
      `d:${w.day}`,
      `m:${w.month}`,
      usd,
      tokens,
      now,
    );
  }

  async spend(keyId: string, now: number): Promise<KeySpend> {
    const w = windowsOf(now);
    const [day, month, total, held, tokens] = (
      (await this.cluster.redis.eval(
        SPEND,
        3,
        spendKey(keyId),
        holdsKey(keyId),
        tokensKey(keyId),
        now,
        `d:${w.day}`,
        `m:${w.month}`,
      )) as string[]
    ).map(Number);
    return { usdToday: day, usdThisMonth: month, usdTotal: total, usdHeld: held, tokensLastMinute: tokens };
  }
}
