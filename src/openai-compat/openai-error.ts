import { HttpException } from '@nestjs/common';
import type { ErrorBody } from '../common/all-exceptions.filter.js';

/** An error in OpenAI's own shape, for the /v1 routes. */
export class OpenAiError extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly details: { type?: string; code?: string | null; param?: string | null } = {},
  ) {
    super(message, status);
  }
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

const CODE_BY_STATUS: Record<number, string> = {
  401: 'invalid_api_key',
  404: 'not_found',
  413: 'request_too_large',
  429: 'rate_limit_exceeded',
};

/** `{ error: { message, type, param, code } }` with the type and code OpenAI uses for the status. */
export function openAiErrorBody(
  status: number,
  message: string,
  exception: unknown,
): { error: { message: string; type: string; param: string | null; code: string | null } } {
  // OpenAiError, and the other errors that say their OpenAI type and code (a key's limits).
  const said = (exception as { details?: unknown } | null)?.details;
  const details: OpenAiError['details'] =
    exception instanceof HttpException && typeof said === 'object' && said !== null ? said : {};
  return {
    error: {
      message,
      type: details.type ?? TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
      param: details.param ?? null,
      code: details.code !== undefined ? details.code : (CODE_BY_STATUS[status] ?? null),
    },
  };
}

/** Anthropic's error `type` for a status. */
export function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    503: 'overloaded_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/**
 * A `/v1` error in its clients' shape: the Messages routes answer in Anthropic's, the others in
 * OpenAI's, so that the SDKs read them.
 */
export const gatewayErrorBody: ErrorBody = (status, message, exception, request) =>
  request.url.startsWith('/v1/messages')
    ? { type: 'error', error: { type: anthropicErrorType(status), message } }
    : openAiErrorBody(status, message, exception);
