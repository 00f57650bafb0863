import { requireWhenNeeded } from './lazy-require.js';

type CountTokens = (text: string) => number;

let count: CountTokens | undefined;

/**
 * Characters of one count that the tokenizer reads; the rest is estimated. The tokenizer's cost per
 * character varies tenfold (random CJK text about 4 µs, English 0.1 µs): 8,000 characters stay
 * under about 35 ms of the thread, whatever they are.
 */
const EXACT_CHARS = 8_000;
/**
 * A run of one kind of character (letters with no space, spaces, one punctuation mark repeated)
 * is one word to the tokenizer, whose byte-pair merge grows with the square of a word's length
 * (10,000 × `a`: 145 ms; 100,000: 15 s; 20,000 CJK characters: 2.6 s). Runs longer than this are
 * counted in slices of it, which adds at most one token per slice.
 */
const SLICE = 48;
const LONG_RUN = new RegExp(`\\S{${SLICE},}|\\s{${SLICE},}`, 'g');

/**
 * Loads gpt-tokenizer's o200k tables now (about 270 ms of this thread, 30 MB of heap and twice
 * that while they are built) rather than at the first count. The server leaves them to its first
 * run (a process that only relays `/v1` requests never counts tokens); the simulator, which counts
 * every answer, loads them as it starts.
 */
export function loadTokenizer(): CountTokens {
  return (count ??= requireWhenNeeded<{ countTokens: CountTokens }>('gpt-tokenizer').countTokens);
}

/** The tokenizer's count of a text with its long runs read in slices: linear in the text's length. */
function countSliced(text: string): number {
  const tokenize = count ?? loadTokenizer();
  let total = 0;
  let at = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    if (run.index > at) total += tokenize(text.slice(at, run.index));
    for (let i = 0; i < run[0].length; i += SLICE) total += tokenize(run[0].slice(i, i + SLICE));
    at = run.index + run[0].length;
  }
  return at < text.length ? total + tokenize(text.slice(at)) : total;
}

/**
 * Tokens of text the tokenizer does not read: as many per character as in the part it read, and
 * never fewer than one per four UTF-8 bytes (a head of cheap text cannot make a dense tail free).
 */
function estimateTail(tail: string, perChar: number): number {
  return Math.ceil(Math.max(tail.length * perChar, Buffer.byteLength(tail, 'utf8') / 4));
}

/**
 * Tokens of one text in the o200k encoding: counted for its first `exactChars` characters,
 * estimated linearly past them. Its cost on the thread is bounded whatever the text.
 */
export function countTokens(text: string, exactChars = EXACT_CHARS): number {
  if (text.length <= exactChars) return countSliced(text);
  const head = text.slice(0, exactChars);
  const counted = exactChars > 0 ? countSliced(head) : 0;
  const perChar = exactChars > 0 ? counted / exactChars : 0;
  return counted + estimateTail(text.slice(exactChars), perChar);
}

/**
 * Tokens of a chat's messages by OpenAI's counting rule (o200k encoding, 3 tokens of framing per
 * message and 3 to prime the answer); the texts share one `EXACT_CHARS × 2` of counting, the rest
 * is estimated. Other tokenizers differ by a few percent: an estimate.
 */
export function countChatTokens(texts: readonly string[]): number {
  return new TokenTally().chat(texts);
}

/**
 * Counts several texts with one bound on the tokenizer's work: once `exactChars` characters have
 * been read, the rest are estimated (a thread's history of many long messages costs no more than
 * one).
 */
export class TokenTally {
  constructor(private left = EXACT_CHARS * 2) {}

  count(text: string): number {
    const exact = Math.min(text.length, Math.min(EXACT_CHARS, this.left));
    this.left -= exact;
    return countTokens(text, exact);
  }

  chat(texts: readonly string[]): number {
    return texts.reduce((sum, text) => sum + this.count(text) + 3, 3);
  }
}
