import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';
import { Types } from 'mongoose';
import { KeyedQueue } from '../common/keyed-queue.js';
import { StoredResponse } from '../common/stored-response.js';
import type { IdempotencyRecord } from './idempotency-record.schema.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { InFlightLeases } from './in-flight-leases.js';

/** How long a key holds its first request and answer. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;
/** Ids reserved for what one request creates (an orchestration run stores three objects). */
const RESERVED_IDS = 4;
const KEY = /^[\x21-\x7e]{1,255}$/;

/** What a claimed request carries until it answers. */
export interface IdempotencyClaim {
  claim: IdempotencyRecord;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: IdempotencyClaim;
  }
}

/** The same request: method, path, query and body, object keys sorted. */
export function fingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/**
 * `Idempotency-Key` on the POSTs that create something. The first request with a key claims it
 * (with the ids it will give what it creates) and, once it answers 2xx, the answer is kept 24 h:
 * the same key with the same request gets that answer again, with another request 422, while the
 * first is still being answered 409 (on any instance: InFlightLeases). A request that fails gives its key back. A claim whose
 * request died (a crash, a database outage before its answer was kept) is run again with the
 * same ids, so what it had stored is found, not stored twice.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyService.name);
  private readonly claims = new KeyedQueue();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly records: IdempotencyRepository,
    private readonly inFlight: InFlightLeases,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.removeExpired(), 60 * 60_000).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Claims the request's key, or throws what the client gets instead (a stored answer, 409, 422). */
  async claim(request: FastifyRequest, ownerId: string, key: unknown, streamed: boolean): Promise<void> {
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    if (streamed) {
      throw new BadRequestException(
        'Idempotency-Key cannot be used with a streamed answer (text/event-stream or stream: true); send one without it',
      );
    }
    const recordId = createHash('sha256').update(`${ownerId}\0${key}`).digest('hex');
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const print = fingerprint(request.method, request.url, request.body);
    await this.claims.run(recordId, async () => {
      const now = Date.now();
      const claim: IdempotencyRecord = {
        _id: recordId,
        ownerId,
        route,
        fingerprint: print,
        ids: Array.from({ length: RESERVED_IDS }, () => new Types.ObjectId().toHexString()),
        state: 'pending',
        status: null,
        contentType: null,
        body: null,
        createdAt: new Date(now),
        expiresAt: new Date(now + IDEMPOTENCY_TTL_MS),
      };
      // The claim is inserted first: a new key (nearly every request) costs one insert and no
      // read (on the embedded FerretDB a read of a missing `_id` scans the collection).
      if (await this.records.claim(claim)) {
        // Ours (the insert won): a duplicate elsewhere finds the claim and this lease.
        await this.inFlight.take(recordId, now);
        request.idempotency = { claim };
        return;
      }
      const live = (record: IdempotencyRecord | null) =>
        record !== null && record.expiresAt.getTime() > now ? record : null;
      const found = live(await this.records.findAnswer(recordId)) ?? live(await this.records.findClaim(recordId));
      if (found === null) {
        if (!(await this.inFlight.take(recordId, now))) throw this.inProgress();
        await this.records.renew(claim); // the key was used more than 24 h ago
        request.idempotency = { claim };
      } else {
        if (found.fingerprint !== print) {
          throw new UnprocessableEntityException(
            found.route === route
              ? 'This Idempotency-Key was used with another request body in the last 24 h; use a new key for a new request'
              : `This Idempotency-Key was used for ${found.route} in the last 24 h; use a new key for a new request`,
          );
        }
        if (found.state === 'done') {
          throw new StoredResponse(found.status ?? 200, found.contentType ?? 'application/json', found.body ?? '');
        }
        // Still being answered here or on another instance: 409. Else its request died: run it again.
        if (!(await this.inFlight.take(recordId, now))) throw this.inProgress();
        request.idempotency = { claim: found };
      }
    });
  }

  private inProgress(): ConflictException {
    return Object.assign(
      new ConflictException('A request with this Idempotency-Key is still being answered; retry once it has answered'),
      { retryAfterMs: 1000 },
    );
  }

  /** Keeps 2xx answers of claimed requests and gives the key back after any other. */
  attach(fastify: FastifyInstance): void {
    fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const claim = request.idempotency;
      if (claim === undefined || reply.statusCode < 200 || reply.statusCode >= 300) return payload;
      if (typeof payload !== 'string') return payload; // streams are refused at claim time
      const contentType = String(reply.getHeader('content-type') ?? 'application/json');
      await this.records
        .complete(claim.claim, { status: reply.statusCode, contentType, body: payload })
        .catch((error: unknown) =>
          // The work is done and answered; a retry runs again with the same ids and finds it.
          this.logger.warn(
            `Keeping an idempotent answer failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      this.inFlight.release(claim.claim._id);
      request.idempotency = undefined;
      return payload;
    });
    const settle = (request: FastifyRequest, reply: FastifyReply) => {
      const claim = request.idempotency;
      if (claim === undefined) return;
      request.idempotency = undefined;
      this.inFlight.release(claim.claim._id);
      if (reply.statusCode >= 200 && reply.statusCode < 300) return;
      // Nothing was stored (writes are ordered so), so the key may be used again.
      this.records.release(claim.claim._id).catch(() => undefined);
    };
    fastify.addHook('onResponse', (request, reply, done) => {
      settle(request, reply);
      done();
    });
    fastify.addHook('onRequestAbort', (request, done) => {
      const claim = request.idempotency;
      if (claim !== undefined) this.inFlight.release(claim.claim._id);
      done();
    });
  }

  private async removeExpired(): Promise<void> {
    try {
      await this.records.deleteExpired(new Date());
    } catch (error) {
      this.logger.warn(
        `Removing expired idempotency keys failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
