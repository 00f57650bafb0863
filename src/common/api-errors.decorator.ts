import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorEnvelope } from './error-envelope.js';

/** Documents the error envelope for the failures every authenticated route can answer. */
export function ApiStandardErrors(options: { adminOnly?: boolean } = {}) {
  const decorators = [
    ApiBadRequestResponse({ type: ErrorEnvelope, description: 'Malformed id, invalid or unknown field.' }),
    ApiUnauthorizedResponse({ type: ErrorEnvelope, description: 'Missing, unknown or revoked API key.' }),
    ApiNotFoundResponse({ type: ErrorEnvelope, description: 'No such object among those the key may see.' }),
    ApiTooManyRequestsResponse({
      type: ErrorEnvelope,
      description:
        'Too many failed authentications from this address (AUTH_FAILURE_LIMIT), or a limit the message names; see Retry-After.',
    }),
    ApiServiceUnavailableResponse({ type: ErrorEnvelope, description: 'The database is unavailable.' }),
  ];
  if (options.adminOnly) {
    decorators.push(ApiForbiddenResponse({ type: ErrorEnvelope, description: 'The key is not an admin key.' }));
  }
  return applyDecorators(...decorators);
}

/** The route writes into a session, which must still be active. */
export const ENDED_SESSION = 'The session has ended (completed or terminated).';
