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
 * The values of fields a translated target cannot honour that ask for nothing beyond the default,
 * as clients send them on every call (the OpenAI Agents SDK's `include: []`, LangChain's zero
 * penalties): accepted there and left out. `null` asks for nothing in any field.
 */
const ASKS_FOR_NOTHING: Record<string, unknown[]> = {
  // Chat Completions
  presence_penalty: [0],
  frequency_penalty: [0],
  logprobs: [false],
  top_logprobs: [0],
  logit_bias: [{}],
  modalities: [['text']],
  // Responses
  include: [[]],
  truncation: ['disabled'],
  background: [false],
  // Anthropic Messages
  thinking: [{ type: 'disabled' }],
  mcp_servers: [[]],
};

/** Whether `value` of `field` asks for nothing a target must do (so a target that cannot honour it may drop it). */
export function asksForNothing(field: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  const text = JSON.stringify(value);
  return (ASKS_FOR_NOTHING[field] ?? []).some((neutral) => JSON.stringify(neutral) === text);
}

/**
 * Refuses, naming it, a field of a translated request that the target cannot honour
 * (`unhonoured`, with `why`) unless its value asks for nothing, or that is none of those it
 * translates or may leave out.
 */
export function checkFields(
  body: Json,
  fields: { unhonoured: string[]; ignored: string[]; translated: string[] },
  why: string,
  api: string,
): void {
  for (const field of Object.keys(body)) {
    if (fields.unhonoured.includes(field)) {
      if (asksForNothing(field, body[field])) continue;
      throw badField(field, why);
    }
    if (!fields.ignored.includes(field) && !fields.translated.includes(field)) {
      throw badField(field, `not a ${api} field this gateway knows`);
    }
  }
}

/** A whole Chat Completions answer, read: its text, its tool calls, why it ended, its usage. */
export interface ReadCompletion {
  content: string | null;
  calls: { id: string; name: string; arguments: string }[];
  finish: string | undefined;
  usage: ChatUsage | undefined;
}

/** Reads a whole Chat Completions answer (JSON text, or the object a translation made). */
export function readCompletion(answer: string | Json): ReadCompletion {
  const completion = (typeof answer === 'string' ? JSON.parse(answer) : answer) as {
    choices?: { message?: { content?: string | null; tool_calls?: Json[] }; finish_reason?: string }[];
    usage?: ChatUsage;
  };
  const choice = completion.choices?.[0];
  const calls = (choice?.message?.tool_calls ?? []).map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    return {
      id: String(call.id),
      name: String(fn.name),
      arguments: typeof fn.arguments === 'string' ? fn.arguments : '{}',
    };
  });
  const content = choice?.message?.content;
  return {
    content: typeof content === 'string' ? content : null,
    calls,
    finish: choice?.finish_reason,
    usage: completion.usage,
  };
}

/** One streamed Chat Completions chunk, read: the end, an error, or its pieces. */
export type ReadChunk =
  | { kind: 'done' }
  | { kind: 'error'; message: string }
  | {
      kind: 'chunk';
      usage: ChatUsage | undefined;
      content: string | undefined;
      calls: { index: number; id: string | undefined; name: string | undefined; arguments: string | undefined }[];
      finish: string | undefined;
    };

/** Reads one `data: …` block of a Chat Completions stream; null for one that is not JSON. */
export function readChunk(data: string): ReadChunk | null {
  if (data === '[DONE]') return { kind: 'done' };
  let chunk: Json;
  try {
    chunk = JSON.parse(data) as Json;
  } catch {
    return null;
  }
  if (isRecord(chunk.error)) return { kind: 'error', message: String(chunk.error.message) };
  const choice = Array.isArray(chunk.choices) && isRecord(chunk.choices[0]) ? chunk.choices[0] : undefined;
  const delta = isRecord(choice?.delta) ? choice.delta : {};
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const calls = (Array.isArray(delta.tool_calls) ? (delta.tool_calls as Json[]) : []).map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    return {
      index: Number(call.index ?? 0),
      id: typeof call.id === 'string' ? call.id : undefined,
      name: typeof fn.name === 'string' ? fn.name : undefined,
      arguments: text(fn.arguments),
    };
  });
  return {
    kind: 'chunk',
    usage: isRecord(chunk.usage) ? chunk.usage : undefined,
    content: text(delta.content),
    calls,
    finish: typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined,
  };
}
