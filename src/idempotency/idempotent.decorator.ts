import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { Principal } from '../auth/principal.js';
import { ErrorEnvelope } from '../common/error-envelope.js';
import { IdSource } from '../common/id-source.js';
import { IdempotencyService } from './idempotency.service.js';

/** A streamed answer cannot be kept: an SSE Accept header, or `stream: true` in the body. */
export function streamed(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  const body = request.body as { stream?: unknown } | null | undefined;
  return (typeof accept === 'string' && accept.includes('text/event-stream')) || body?.stream === true;
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal: Principal }>();
    const key = request.headers['idempotency-key'];
    if (key !== undefined) await this.idempotency.claim(request, request.principal.ownerId, key, streamed(request));
    return next.handle();
  }
}

/**
 * The route honours `Idempotency-Key` (and says so in the OpenAPI document). `conflict`: what else
 * the route answers 409 for, to document beside the key's own 409.
 */
export function Idempotent(conflict?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes a retry safe: the same key and request within 24 h get the first answer again (nothing is created twice); another request with the key is a 422.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    }),
    ApiConflictResponse({
      type: ErrorEnvelope,
      description: [conflict, 'A request with the same Idempotency-Key is still being answered.']
        .filter((d) => d !== undefined)
        .join(' Or: '),
    }),
    ApiUnprocessableEntityResponse({
      type: ErrorEnvelope,
      description: 'The Idempotency-Key was used for another request in the last 24 h.',
    }),
  );
}

/** The ids for what the request creates: the reserved ones of an idempotent request, else new ones. */
export const CreateIds = createParamDecorator((_: unknown, context: ExecutionContext): IdSource => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return new IdSource(request.idempotency?.claim.ids);
});
