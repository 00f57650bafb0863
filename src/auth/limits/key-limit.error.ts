import { HttpException } from '@nestjs/common';
import type { LimitName } from './key-limits.js';

/**
 * A request past one of its key's limits (429, with Retry-After when waiting helps) or for a model
 * the key may not use (403). Its headers (`x-ratelimit-*`) go on the response; on `/v1` the body
 * is OpenAI's error shape with `code` naming the limit.
 */
export class KeyLimitExceeded extends HttpException {
  readonly details: { type: string; code: string; param: string | null };

  constructor(
    status: 403 | 429,
    message: string,
    readonly limit: LimitName,
    readonly retryAfterMs?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message, status);
    this.details = {
      type: status === 403 ? 'permission_error' : 'rate_limit_error',
      code:
        status === 403
          ? limit === 'unpriced'
            ? 'unpriced_not_allowed'
            : limit === 'tools'
              ? 'tool_not_allowed'
              : 'model_not_allowed'
          : `${limit}_exceeded`,
      param: limit === 'models' ? 'model' : limit === 'tools' ? 'tools' : null,
    };
  }
}
