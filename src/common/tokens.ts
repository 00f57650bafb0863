import { requireWhenNeeded } from './lazy-require.js';

type CountTokens = (text: string) => number;

let count: CountTokens | undefined;

/**
 * Loads gpt-tokenizer's o200k tables now (about 270 ms of this thread, 30 MB of heap and twice
 * that while they are built) rather than at the first count. The server leaves them to its first
 * run (a process that only relays `/v1` requests never counts tokens); the simulator, which counts
 * every answer, loads them as it starts.
 */
export function loadTokenizer(): CountTokens {
  return (count ??= requireWhenNeeded<{ countTokens: CountTokens }>('gpt-tokenizer').countTokens);
}

/** Tokens of one text in the o200k encoding. */
export function countTokens(text: string): number {
  return (count ?? loadTokenizer())(text);
}

/**
 * Tokens of a chat's messages by OpenAI's counting rule (o200k encoding, 3 tokens of framing per
 * message and 3 to prime the answer). Other tokenizers differ by a few percent: an estimate.
 */
export function countChatTokens(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + countTokens(text) + 3, 3);
}
