import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorClass } from '../providers/provider.error.js';

/** Upstream failures as OpenAI statuses. */
export const STATUS_OF: Record<ErrorClass, number> = {
  rate_limited: 429,
  timeout: 504,
  upstream_5xx: 502,
  auth: 502,
  bad_request: 400,
  not_found: 404,
  network: 502,
  malformed: 502,
  cancelled: 499,
  cooling_down: 503,
  key_limit: 429,
  unknown: 502,
};

/** The client's Anthropic API version and betas, passed on as sent (the SDK's own version otherwise). */
export function anthropicHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['anthropic-version', 'anthropic-beta']) {
    const value = request.headers[name];
    if (typeof value === 'string' && value.trim() !== '') headers[name] = value.trim();
  }
  return headers;
}

/** The two wire protocols clients speak to the gateway. */
export type Wire = 'openai' | 'anthropic';

/** The time the gateway spent outside the upstream call, on every answer. */
export const OVERHEAD_HEADER = 'x-orchestratex-overhead-ms';

/** Sets each header on the reply (a key's limits as x-ratelimit-*). */
export function setHeaders(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
}
