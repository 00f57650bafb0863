import type { FastifyReply } from 'fastify';
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
export function anthropicHeaders(sent: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['anthropic-version', 'anthropic-beta']) {
    const value = sent[name];
    if (typeof value === 'string' && value.trim() !== '') headers[name] = value.trim();
  }
  return headers;
}

/** The two wire protocols clients speak to the gateway. */
export type Wire = 'openai' | 'anthropic';

/** The catalogue model that answered (a fallback, maybe). */
export const MODEL_HEADER = 'x-orchestratex-model';

/** The time the gateway spent outside the upstream call, on every answer. */
export const OVERHEAD_HEADER = 'x-orchestratex-overhead-ms';

/** Sets each header on the reply (a key's limits as x-ratelimit-*). */
export function setHeaders(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
}

/** The answer's `model` field, as the provider wrote it (its own model id). */
const MODEL_FIELD = /"model":\s*"(?:[^"\\]|\\.)*"/;
/** An answer or chunk with the catalogue id the client knows in `model`, without parsing the rest. */
export const withModel = (data: string, id: string) => data.replace(MODEL_FIELD, `"model":${JSON.stringify(id)}`);

/** An OpenAI stream's usage-only chunk (`choices: []`), told without parsing the others. */
export const isUsageChunk = (event: string) => event.includes('"usage"') && /"choices":\s*\[\s*\]/.test(event);
