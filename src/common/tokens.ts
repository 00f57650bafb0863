import { createRequire } from 'node:module';

type CountTokens = (text: string) => number;

let count: CountTokens | undefined;

/**
 * gpt-tokenizer's `countTokens`, loaded on first use: its o200k tables take about 60 MB of a
 * process's memory, and a process that only relays `/v1` requests never counts tokens (runs do).
 * Its CommonJS build is required synchronously so that callers stay synchronous.
 */
export function countTokens(text: string): number {
  count ??= (createRequire(import.meta.url)('gpt-tokenizer') as { countTokens: CountTokens }).countTokens;
  return count(text);
}

/**
 * Tokens of a chat's messages by OpenAI's counting rule (o200k encoding, 3 tokens of framing per
 * message and 3 to prime the answer). Other tokenizers differ by a few percent: an estimate.
 */
export function countChatTokens(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + countTokens(text) + 3, 3);
}
