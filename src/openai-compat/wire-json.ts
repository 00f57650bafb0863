import { OpenAiError } from './openai-error.js';

/** A JSON object of a request or an answer, read field by field. */
export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A 400 naming the field at fault, its path first. */
export const badField = (param: string, message: string) =>
  new OpenAiError(400, `${param}: ${message}`, { param, code: 'invalid_value' });

/** Chat Completions usage, as providers send it. */
export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/**
 * Refuses, naming it, a field of a translated request that the target cannot honour
 * (`unhonoured`, with `why`) or that is none of those it translates or may leave out.
 */
export function checkFields(
  body: Json,
  fields: { unhonoured: string[]; ignored: string[]; translated: string[] },
  why: string,
  api: string,
): void {
  for (const field of Object.keys(body)) {
    if (fields.unhonoured.includes(field)) throw badField(field, why);
    if (!fields.ignored.includes(field) && !fields.translated.includes(field)) {
      throw badField(field, `not a ${api} field this gateway knows`);
    }
  }
}
