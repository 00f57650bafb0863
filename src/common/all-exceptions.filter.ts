import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ErrorEnvelope } from './error-envelope.js';
import { StoredResponse } from './stored-response.js';

interface Classified {
  status: number;
  message: string;
}

const DATABASE_DOWN =
  /buffering timed out|ECONNREFUSED|Server selection timed out|connection .* closed|MongoNetworkError|MongoServerSelectionError|PoolClearedError|MongoNotConnectedError|socket has been ended|EPIPE|ECONNRESET|SQLITE_BUSY|database is locked/i;

function messageOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  if (response && typeof response === 'object' && 'message' in response) {
    const message = response.message;
    if (Array.isArray(message)) return message.map(String).join('; ');
    if (typeof message === 'string') return message;
  }
  return fallback;
}

/** Turns any thrown value into a status and a message a client can act on. */
export function classifyError(error: unknown): Classified {
  if (error instanceof HttpException) {
    return { status: error.getStatus(), message: messageOf(error.getResponse(), error.message) };
  }
  const e = error as { name?: string; code?: unknown; statusCode?: unknown; message?: string };
  // Fastify's own errors (body too large, malformed JSON, wrong content type) carry a 4xx statusCode.
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, message: e.message ?? STATUS_CODES[e.statusCode] ?? 'Bad request' };
  }
  if (e?.name === 'CastError' || e?.name === 'ValidationError' || e?.name === 'StrictModeError') {
    return { status: HttpStatus.BAD_REQUEST, message: e.message ?? 'Invalid value' };
  }
  if (e?.code === 11000) {
    return { status: HttpStatus.CONFLICT, message: 'An object with the same unique value already exists' };
  }
  if (DATABASE_DOWN.test(`${e?.name ?? ''} ${e?.message ?? ''}`)) {
    return { status: HttpStatus.SERVICE_UNAVAILABLE, message: 'The database is unavailable; try again shortly' };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
}

export function errorEnvelope(
  status: number,
  message: string,
  request: Pick<FastifyRequest, 'id' | 'url'>,
): ErrorEnvelope {
  return {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    path: request.url.split('?')[0],
    timestamp: new Date().toISOString(),
    requestId: String(request.id),
  };
}

/** The body an error leaves in: the envelope, or another API's shape (the gateway's OpenAI and Anthropic ones). */
export type ErrorBody = (status: number, message: string, exception: unknown, request: FastifyRequest) => unknown;

const envelopeBody: ErrorBody = (status, message, _exception, request) => errorEnvelope(status, message, request);

/**
 * Answers a request with the error it failed on: a stored idempotent answer as it was; otherwise
 * the error classified (a 500 tells only the request id and is logged), its Retry-After and
 * x-ratelimit-* headers, and its body in `shape`.
 */
export function sendError(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  bodyLimitBytes: number,
  shape: ErrorBody = envelopeBody,
): void {
  if (exception instanceof StoredResponse) {
    void reply
      .status(exception.status)
      .header('content-type', exception.contentType)
      .header('idempotent-replayed', 'true')
      .send(exception.body);
    return;
  }
  const classified = classifyError(exception);
  // A refusal that says when to come back (429s) carries it as Retry-After.
  const retryAfterMs = (exception as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (exception instanceof HttpException && typeof retryAfterMs === 'number') {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  }
  // A refusal by a key's limits says where the key stands (x-ratelimit-*).
  const headers = (exception as { headers?: unknown } | null)?.headers;
  if (exception instanceof HttpException && typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') void reply.header(name, value);
  }
  const { status } = classified;
  const fastifyCode =
    (exception as { code?: string; cause?: { code?: string } } | null)?.cause?.code ??
    (exception as { code?: string } | null)?.code;
  const message =
    fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `The request body is larger than ${bodyLimitBytes} bytes (BODY_LIMIT_BYTES)`
      : classified.message;
  if (status >= 500) {
    const cause = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    // The request's own logger: the line carries its requestId.
    request.log.error({ context: 'Errors' }, `${request.method} ${request.url} failed: ${cause}`);
  }
  const text = status === 500 ? `Internal server error (request id ${String(request.id)})` : message;
  void reply
    .status(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(shape(status, text, exception, request));
}

/** The global filter of Nest's routes: every error leaves in the same envelope. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly bodyLimitBytes: number) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.bodyLimitBytes);
  }
}
