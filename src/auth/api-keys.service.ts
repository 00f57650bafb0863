import { Injectable, NotFoundException, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Types } from 'mongoose';
import { Cluster } from '../cluster/cluster.js';
import { AppConfig } from '../config/app-config.js';
import { Page, toPage } from '../common/pagination.js';
import { ownerScope, Principal } from './principal.js';
import { AuthThrottle, TooManyAuthFailures } from './auth-throttle.js';
import { OpenResponses } from './open-responses.js';
import { AuditService } from '../audit/audit.service.js';
import { ApiKeysRepository, type ApiKeyRecord } from './api-keys.repository.js';
import { CreateApiKeyDto, UpdateApiKeyDto } from './dto/create-api-key.dto.js';
import {
  ApiKeyDetailDto,
  CurrentKeyDto,
  ApiKeyResponseDto,
  CreatedApiKeyResponseDto,
  toApiKeyResponse,
} from './dto/api-key.response.dto.js';
import type { KeyLimitsDto } from './dto/key-limits.dto.js';
import { NO_LIMITS, type KeyLimits } from './limits/key-limits.js';
import { KeyLimitsService } from './limits/key-limits.service.js';

export const KEY_PREFIX = 'orx_';
/** Failed keys are counted by this many first characters too (the prefix and 8 of the key's own). */
const THROTTLED_PREFIX_CHARS = KEY_PREFIX.length + 8;
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;
const TOUCH_INTERVAL_MS = 60_000;
/**
 * How long a verified key is trusted without reading the database again. A key revoked here stops
 * at once; one revoked through another process of the same database, within this time.
 */
const VERIFIED_TTL_MS = 10_000;
/** How long a key found in no record is answered "unknown" without a lookup, and how many are kept. */
const UNKNOWN_TTL_MS = 10_000;
const MAX_UNKNOWN = 10_000;
/** Where a revoked key id is announced to every process of a cluster. */
const REVOKED_CHANNEL = 'keys-revoked';
/** A cluster: how often each instance checks that the keys it has connections of are still valid. */
const RECHECK_MS = 10_000;
/** How long a revoke waits for Redis to take the word to the other instances. */
const PUBLISH_WAIT_MS = 1000;
/** The owner of data created with ADMIN_API_KEY, which has no database record. */
export const ENV_ADMIN_OWNER = 'admin';
/** The key id of ADMIN_API_KEY's principal. */
export const ENV_ADMIN_KEY_ID = 'env:ADMIN_API_KEY';

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The server itself, as the actor of what it does on its own (the first admin key). */
const SERVER: Principal = { keyId: 'server', ownerId: 'server', role: 'admin' };

/** What the audit trail keeps of a key: never its hash. */
const auditedKey = (record: ApiKeyRecord) => ({
  name: record.name,
  role: record.role,
  ownerId: record.ownerId,
  limits: record.limits && { ...NO_LIMITS, ...record.limits },
  revokedAt: record.revokedAt?.toISOString() ?? null,
});

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly envAdminHash?: Buffer;
  private readonly lastTouched = new Map<string, number>();
  /** Stored keys verified lately, by hash (valid keys only: unknown ones cannot fill it). */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  private readonly revokeListeners = new Set<(keyId: string) => void>();
  /** Hashes of `orx_` keys no record has, until when (guesses repeat; each lookup is a scan). */
  private readonly unknown = new Map<string, number>();
  private readonly throttle: AuthThrottle;
  /** Responses still being sent to each key: cut when it is revoked. */
  readonly open = new OpenResponses();
  private readonly holders = new Set<() => Iterable<string>>();
  private recheck: NodeJS.Timeout | null = null;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly config: AppConfig,
    private readonly cluster: Cluster,
    private readonly limits: KeyLimitsService,
    private readonly audit: AuditService,
  ) {
    if (config.adminApiKey !== undefined) this.envAdminHash = hashKey(config.adminApiKey);
    this.throttle = new AuthThrottle(config.authFailures.limit, config.authFailures.windowMs);
  }

  async onApplicationBootstrap(): Promise<void> {
    // A cluster: a key revoked on any instance is forgotten by every instance at once, and (should
    // that word be lost while Redis is away) within RECHECK_MS by the sweep of connected keys.
    if (this.cluster.enabled) {
      this.cluster.subscribe(REVOKED_CHANNEL, (keyId) => this.forget(keyId));
      await this.cluster.subscribed();
      this.recheck = setInterval(() => void this.sweepRevoked().catch(() => undefined), RECHECK_MS);
      this.recheck.unref();
    }
  }

  /**
   * Without ADMIN_API_KEY and without any active admin key stored, makes one and returns it (the
   * only time it is seen: its hash alone is stored); else tells which admin key there is. Called by
   * `main.ts` once the server listens, so a start that fails makes no key.
   */
  async ensureAdminKey(): Promise<{ generated: string } | { configured: 'environment' | 'stored' }> {
    if (this.config.adminApiKey !== undefined) return { configured: 'environment' };
    if (await this.keys.hasActiveAdmin()) return { configured: 'stored' };
    const created = await this.create(SERVER, { name: 'bootstrap admin', role: 'admin' });
    return { generated: created.key };
  }

  async create(actor: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    const key = generateKey();
    const id = new Types.ObjectId();
    const record = await this.keys.insert({
      _id: id,
      name: dto.name,
      role: dto.role ?? 'user',
      ownerId: dto.ownerId ?? id.toHexString(),
      prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
      hash: hashKey(key).toString('hex'),
      limits: dto.limits === undefined ? null : mergeLimits(null, dto.limits),
    });
    await this.audit.record(actor, 'key.created', { type: 'key', id: id.toHexString() }, null, auditedKey(record));
    return { ...toApiKeyResponse(record), key };
  }

  /** A key with its limits and what it has spent (admins: any key). */
  async get(id: string): Promise<ApiKeyDetailDto> {
    const record = await this.keys.findById(id);
    if (record === null) throw new NotFoundException(`API key ${id} not found`);
    return { ...toApiKeyResponse(record), spend: await this.limits.spend(id) };
  }

  /** The key a request is made with: any key may read its own name, role, limits and spend. */
  async current(principal: Principal): Promise<CurrentKeyDto> {
    const { keyId: id, ownerId, role } = principal;
    if (id === ENV_ADMIN_KEY_ID) {
      return { id, name: 'ADMIN_API_KEY', role, ownerId, limits: { ...NO_LIMITS }, spend: await this.limits.spend(id) };
    }
    const { name, limits, spend } = await this.get(id);
    return { id, name, role, ownerId, limits, spend };
  }

  /** Renames a key or changes its limits; the new limits hold for its next request, in every process. */
  async update(actor: Principal, id: string, dto: UpdateApiKeyDto): Promise<ApiKeyDetailDto> {
    const current = await this.keys.findById(id);
    if (current === null) throw new NotFoundException(`API key ${id} not found`);
    const updated = await this.keys.update(id, {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.limits !== undefined && { limits: mergeLimits(current.limits, dto.limits) }),
    });
    if (updated === null) throw new NotFoundException(`API key ${id} not found`);
    await this.limits.changed(id);
    await this.audit.record(actor, 'key.updated', { type: 'key', id }, auditedKey(current), auditedKey(updated));
    return { ...toApiKeyResponse(updated), spend: await this.limits.spend(id) };
  }

  async list(principal: Principal, limit: number, cursor?: string): Promise<Page<ApiKeyResponseDto>> {
    return toPage(await this.keys.list(ownerScope(principal), limit, cursor), limit, toApiKeyResponse);
  }

  async revoke(actor: Principal, id: string): Promise<void> {
    const before = await this.keys.findById(id);
    if (before === null) throw new NotFoundException(`API key ${id} not found`);
    const revoked = await this.keys.revoke(id);
    this.forget(id);
    if (revoked !== null) {
      await this.audit.record(actor, 'key.revoked', { type: 'key', id }, auditedKey(before), auditedKey(revoked));
    }
    // Told to the other instances at once; while Redis is away, their sweep finds it (RECHECK_MS).
    if (this.cluster.enabled) {
      const told = this.cluster.publish(REVOKED_CHANNEL, id).catch(() => undefined);
      await Promise.race([told, new Promise((r) => setTimeout(r, PUBLISH_WAIT_MS).unref())]);
    }
  }

  onModuleDestroy(): void {
    if (this.recheck !== null) clearInterval(this.recheck);
  }

  /** Tells the sweep of revoked keys which keys hold connections (the Socket.IO gateway's sockets). Returns the way to stop. */
  holdsKeys(source: () => Iterable<string>): () => void {
    this.holders.add(source);
    return () => this.holders.delete(source);
  }

  /** Forgets (and so disconnects) every connected key that the database says is revoked or gone. */
  private async sweepRevoked(): Promise<void> {
    const keyIds = new Set([...this.open.keys(), ...[...this.holders].flatMap((source) => [...source()])]);
    for (const keyId of keyIds) {
      if (keyId === ENV_ADMIN_KEY_ID) continue;
      const record = await this.keys.findById(keyId);
      if (record === null || record.revokedAt !== null) this.forget(keyId);
    }
  }

  /** Drops a revoked key from the cache and tells the listeners (its sockets are closed). */
  private forget(keyId: string): void {
    for (const [hash, { principal }] of this.verified) if (principal.keyId === keyId) this.verified.delete(hash);
    this.open.end(keyId);
    for (const listener of this.revokeListeners) listener(keyId);
  }

  /** Hears each key id as it is revoked (here, or in a cluster anywhere) (open sockets of that key are closed on it). Returns the way to stop. */
  onRevoke(listener: (keyId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  /**
   * The principal of a key presented from a client address, or null when it is unknown or revoked.
   * Failures are counted by address and by the key's first characters: a request is refused
   * (TooManyAuthFailures, its key not looked at) only when both are past AUTH_FAILURE_LIMIT, so
   * guesses from one address at one key are stopped, while a valid key is never refused because
   * others failed from its address (behind a proxy without TRUST_PROXY, every client shares one).
   */
  async authenticate(key: string, address: string): Promise<Principal | null> {
    const prefix = `key:${key.slice(0, THROTTLED_PREFIX_CHARS)}`;
    const wait = Math.min(this.throttle.retryAfterMs(address), this.throttle.retryAfterMs(prefix));
    if (wait > 0) throw new TooManyAuthFailures(wait);
    const principal = await this.verify(key);
    if (principal === null) {
      this.throttle.fail(address);
      this.throttle.fail(prefix);
    }
    return principal;
  }

  /** The principal of a presented key, or null when it is unknown or revoked. */
  async verify(key: string): Promise<Principal | null> {
    const presented = hashKey(key);
    if (this.envAdminHash !== undefined && timingSafeEqual(presented, this.envAdminHash)) {
      return { keyId: ENV_ADMIN_KEY_ID, ownerId: ENV_ADMIN_OWNER, role: 'admin' };
    }
    if (!key.startsWith(KEY_PREFIX)) return null;
    const hash = presented.toString('hex');
    const now = Date.now();
    const known = this.verified.get(hash);
    if (known !== undefined && known.until > now) {
      this.touch(known.principal.keyId, now);
      return known.principal;
    }
    if ((this.unknown.get(hash) ?? 0) > now) return null;
    const record = await this.keys.findActiveByHash(hash);
    if (record === null || !timingSafeEqual(Buffer.from(record.hash, 'hex'), presented)) {
      this.verified.delete(hash);
      this.unknown.delete(hash);
      if (this.unknown.size >= MAX_UNKNOWN) this.unknown.delete(this.unknown.keys().next().value as string);
      this.unknown.set(hash, now + UNKNOWN_TTL_MS);
      return null;
    }
    const principal: Principal = { keyId: record._id.toHexString(), ownerId: record.ownerId, role: record.role };
    this.verified.set(hash, { principal: Object.freeze(principal), until: now + VERIFIED_TTL_MS });
    this.touch(principal.keyId, now);
    return principal;
  }

  /** Records when a key was last used, at most once a minute per key, off the request path. */
  private touch(keyId: string, now: number): void {
    if (now - (this.lastTouched.get(keyId) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(keyId, now);
    this.keys.touch(new Types.ObjectId(keyId), new Date(now)).catch(() => this.lastTouched.delete(keyId));
  }
}

/** Limits after a change: fields left out keep theirs, `null` removes one; none left is null. */
function mergeLimits(current: KeyLimits | null, change: KeyLimitsDto): KeyLimits | null {
  const merged: KeyLimits = { ...NO_LIMITS, ...current };
  for (const field of Object.keys(NO_LIMITS) as (keyof KeyLimits)[]) {
    const value = change[field];
    // A nested object (the unpriced ceilings) is stored as a plain copy of what was sent, no more.
    const plain =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
        : value;
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[field] = plain;
  }
  return Object.values(merged).every((v) => v === null) ? null : merged;
}
