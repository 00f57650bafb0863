import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeysService } from './api-keys.service.js';
import { ADMIN_ONLY, IS_PUBLIC, Principal } from './principal.js';
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

/** The global guard: every route needs a valid key unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly reads = new ReadGate();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Socket.IO clients are authenticated once, in the handshake (OrchestrationGateway).
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const key = presentedKey(request.headers);
    if (key === undefined) {
      throw new UnauthorizedException('Missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
    }
    const principal = await this.keys.authenticate(key, request.ip);
    if (principal === null) throw new UnauthorizedException('Invalid or revoked API key');
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && principal.role !== 'admin') {
      throw new ForbiddenException('This endpoint needs an admin key');
    }
    request.principal = principal;
    const response = context.switchToHttp().getResponse<FastifyReply>().raw;
    this.keys.open.track(principal.keyId, response);
    // A key's reads take turns (an event stream is no read: it would hold its turn for good).
    if (request.method === 'GET' && request.headers.accept?.includes('text/event-stream') !== true) {
      const leave = await this.reads.enter(principal.keyId);
      if (response.writableEnded || response.destroyed) leave();
      else response.once('close', leave);
    }
    return true;
  }
}
