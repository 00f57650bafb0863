import { countTokens } from '../src/common/tokens.js';
import { createHash } from 'node:crypto';

/** Each model's vector length (OpenAI's text-embedding-3 models take `dimensions` to shorten theirs). */
const DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'mistral-embed': 1024,
};
const DEFAULT_DIMENSIONS = 768;
const MAX_INPUTS = 2048;

type Json = Record<string, unknown>;

/**
 * A unit vector that carries the input's words, as a real model's carries its meaning: each word
 * (lower-cased) adds a signed unit at positions drawn from its hash (feature hashing), so texts that
 * share most words are close (cosine ≈ shared / √(n·m)) and the same text always gets the same vector.
 */
function vectorOf(model: string, text: string, length: number): Float32Array {
  const vector = new Float32Array(length);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text];
  for (const word of words) {
    const hash = createHash('sha256').update(`${model}\n${word}`).digest();
    for (let k = 0; k < 4; k += 1) vector[hash.readUInt32LE(k * 4) % length] += hash[16 + k] & 1 ? 1 : -1;
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < length; i += 1) vector[i] /= norm;
  return vector;
}

/** The inputs as texts (token arrays as their numbers) with their token counts, or why they are not valid. */
function inputsOf(input: unknown): { text: string; tokens: number }[] | string {
  const one = (value: unknown): { text: string; tokens: number } | null => {
    if (typeof value === 'string' && value.length > 0) return { text: value, tokens: Math.max(1, countTokens(value)) };
    if (Array.isArray(value) && value.length > 0 && value.every((n) => Number.isInteger(n)))
      return { text: value.join(' '), tokens: value.length };
    return null;
  };
  const single = one(input);
  if (single !== null) return [single];
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_INPUTS)
    return `input must be a non-empty string, an array of at most ${MAX_INPUTS} strings, or token arrays`;
  const all = input.map(one);
  const bad = all.findIndex((x) => x === null);
  if (bad >= 0) return `input[${bad}] must be a non-empty string or an array of integers`;
  return all as { text: string; tokens: number }[];
}

/**
 * `POST /v1/embeddings` as OpenAI and Mistral answer it: one deterministic unit vector per input,
 * as floats or (`encoding_format: base64`, what the openai SDK asks for) little-endian float32.
 */
export function simulatedEmbeddings(body: Json): { status: number; body: Json } {
  const fail = (message: string, param: string) => ({
    status: 400,
    body: { error: { message, type: 'invalid_request_error', param, code: null } },
  });
  const { model, input, encoding_format: format = 'float', dimensions } = body;
  if (typeof model !== 'string' || model === '') return fail('you must provide a model parameter', 'model');
  const inputs = inputsOf(input);
  if (typeof inputs === 'string') return fail(inputs, 'input');
  if (format !== 'float' && format !== 'base64')
    return fail("encoding_format must be 'float' or 'base64'", 'encoding_format');
  const full = DIMENSIONS[model] ?? DEFAULT_DIMENSIONS;
  if (
    dimensions !== undefined &&
    (!Number.isInteger(dimensions) || (dimensions as number) < 1 || (dimensions as number) > full)
  )
    return fail(`dimensions must be an integer from 1 to ${full}`, 'dimensions');
  const length = (dimensions as number | undefined) ?? full;
  const data = inputs.map(({ text }, index) => {
    const vector = vectorOf(model, text, length);
    return {
      object: 'embedding',
      index,
      embedding: format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector),
    };
  });
  const tokens = inputs.reduce((sum, i) => sum + i.tokens, 0);
  return { status: 200, body: { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } } };
}
