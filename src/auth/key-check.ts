import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ApiKeysService } from './api-keys.service.js';
import type { Principal } from './principal.js';
import { ReadGate } from './read-gate.js';

/** Reads the key from `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

/** What the key check needs of a request, whichever router holds it (Nest's guard or a Fastify hook). */
export interface KeyedRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  ip: string;
}

/**
 * The check every keyed request passes: a valid, unrevoked key (401 otherwise), an admin key where
 * the route needs one (403), the response tracked so revoking the key closes it, and a key's reads
 * taking turns (an event stream is no read: it would hold its turn for good).
 */
@Injectable()
export class KeyCheck {
  private readonly reads = new ReadGate();

  constructor(private readonly keys: ApiKeysService) {}

  async check(request: KeyedRequest, response: ServerResponse, adminOnly = false): Promise<Principal> {
    const key = presentedKey(request.headers);
    if (key === undefined) {
      throw new UnauthorizedException('Missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
    }
    const principal = await this.keys.authenticate(key, request.ip);
    if (principal === null) throw new UnauthorizedException('Invalid or revoked API key');
    if (adminOnly && principal.role !== 'admin') throw new ForbiddenException('This endpoint needs an admin key');
    this.keys.open.track(principal.keyId, response);
    const accept = request.headers.accept;
    if (request.method === 'GET' && !(typeof accept === 'string' && accept.includes('text/event-stream'))) {
      const leave = await this.reads.enter(principal.keyId);
      if (response.writableEnded || response.destroyed) leave();
      else response.once('close', leave);
    }
    return principal;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once the key check passed. */
    principal?: Principal;
  }
}
