import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/error-envelope.js';
import type { OwnerScope } from '../common/owned.js';
import type { Role } from './api-key.schema.js';

/** Who is calling: resolved from the API key by the guard. */
export interface Principal {
  keyId: string;
  ownerId: string;
  role: Role;
}

/** The owner filter every repository query starts from: admins see everything. */
export function ownerScope(principal: Principal): OwnerScope {
  return principal.role === 'admin' ? {} : { ownerId: principal.ownerId };
}

export const IS_PUBLIC = 'orx:public';
export const ADMIN_ONLY = 'orx:admin-only';

/** The route needs no API key. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** The route needs an admin key (403 for a user key, documented as such). */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ADMIN_ONLY, true),
    ApiForbiddenResponse({ type: ErrorEnvelope, description: 'The key is not an admin key.' }),
  );

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<{ principal: Principal }>();
  return request.principal;
});
