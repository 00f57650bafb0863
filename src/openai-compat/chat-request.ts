import type { ChatMessage } from '../providers/provider.types.js';
import { OpenAiError } from './openai-error.js';

/**
 * A Chat Completions request: what the gateway itself reads of it, checked. The rest of the body
 * goes to the provider as it is (same protocol) or translated (`anthropic-translation.ts`).
 */
export interface ChatRequest {
  /** The body as the client sent it. */
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  temperature: number | undefined;
  /** A session id, when the `user` field carries one (orchestratex/<strategy> models). */
  user: string | undefined;
  /** Catalogue ids to try in turn when `model` fails before answering (LiteLLM's `fallbacks` field). */
  fallbacks: string[];
}

/** The most fallback models one request may name. */
export const MAX_FALLBACKS = 5;

const bad = (param: string, message: string) => new OpenAiError(400, message, { param, code: 'invalid_value' });

function textOf(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, i) => {
        const p = part as { type?: unknown; text?: unknown };
        if (p?.type === 'text' && typeof p.text === 'string') return p.text;
        throw bad(`${at}.content[${i}]`, `${at}.content[${i}]: only text parts are supported`);
      })
      .join('');
  }
  if (content === null || content === undefined) return '';
  throw bad(`${at}.content`, `${at}.content must be a string or an array of text parts`);
}

/** The messages as text only (an orchestration's thread): a tool message or an image part is a 400. */
export function textMessages(body: Record<string, unknown>): ChatMessage[] {
  const messages = body.messages as unknown[];
  return messages.map((raw: unknown, i) => {
    const m = raw as { role?: unknown; content?: unknown };
    const at = `messages[${i}]`;
    if (typeof m !== 'object' || m === null) throw bad(at, `${at} must be an object`);
    const role = m.role === 'developer' ? 'system' : m.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw bad(`${at}.role`, `${at}.role must be one of system, developer, user, assistant`);
    }
    return { role, content: textOf(m.content, at) };
  });
}

/** Reads a request body the way OpenAI does, with OpenAI-style errors naming the parameter. */
export function readChatRequest(body: Record<string, unknown>): ChatRequest {
  const {
    model,
    messages,
    stream,
    stream_options,
    max_tokens,
    max_completion_tokens,
    temperature,
    n,
    user,
    fallbacks,
  } = body;
  if (typeof model !== 'string' || model.trim() === '') throw bad('model', 'you must provide a model parameter');
  if (!Array.isArray(messages) || messages.length === 0) throw bad('messages', 'messages must be a non-empty array');
  if (messages.some((m) => typeof m !== 'object' || m === null || Array.isArray(m))) {
    const i = messages.findIndex((m) => typeof m !== 'object' || m === null || Array.isArray(m));
    throw bad(`messages[${i}]`, `messages[${i}] must be an object`);
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean')
    throw bad('stream', 'stream must be a boolean');
  const ceiling = max_completion_tokens ?? max_tokens;
  if (ceiling !== undefined && ceiling !== null && (!Number.isInteger(ceiling) || (ceiling as number) < 1)) {
    throw bad(
      max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens',
      'max_tokens must be a positive integer',
    );
  }
  if (
    temperature !== undefined &&
    temperature !== null &&
    (typeof temperature !== 'number' || temperature < 0 || temperature > 2)
  ) {
    throw bad('temperature', 'temperature must be a number from 0 to 2');
  }
  if (n !== undefined && n !== null && n !== 1) throw bad('n', 'only n = 1 is supported');
  if (
    fallbacks !== undefined &&
    fallbacks !== null &&
    (!Array.isArray(fallbacks) ||
      fallbacks.length > MAX_FALLBACKS ||
      fallbacks.some((f) => typeof f !== 'string' || f.trim() === ''))
  ) {
    throw bad('fallbacks', `fallbacks must be an array of at most ${MAX_FALLBACKS} model ids`);
  }
  return {
    body,
    model: model.trim(),
    stream: stream === true,
    includeUsage: (stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
    maxTokens: (ceiling as number | null | undefined) ?? undefined,
    temperature: temperature ?? undefined,
    user: typeof user === 'string' && user.length > 0 ? user : undefined,
    fallbacks: ((fallbacks as string[] | null | undefined) ?? []).map((f) => f.trim()),
  };
}
