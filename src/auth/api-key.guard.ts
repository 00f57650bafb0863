import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeyCheck } from './key-check.js';
import { ADMIN_ONLY, IS_PUBLIC, Principal } from './principal.js';

/** The global guard: every Nest route needs a valid key unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keyCheck: KeyCheck,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Socket.IO clients are authenticated once, in the handshake (OrchestrationGateway).
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) === true;
    const response = context.switchToHttp().getResponse<FastifyReply>().raw;
    request.principal = await this.keyCheck.check(request, response, adminOnly);
    return true;
  }
}
