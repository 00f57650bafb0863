import { countTokens as exactCount } from 'gpt-tokenizer';
import { countChatTokens, countTokens, TokenTally } from './tokens.js';

describe('countTokens', () => {
  it('should count ordinary text exactly, as the tokenizer does', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(100);
    expect(countTokens(text)).toBe(exactCount(text));
  });

  it('should count long runs of one character in slices, within a token per slice', () => {
    const run = 'a'.repeat(4_000);
    const counted = countTokens(run);
    expect(counted).toBeGreaterThanOrEqual(exactCount(run));
    expect(counted).toBeLessThanOrEqual(exactCount(run) + Math.ceil(run.length / 48));
  });

  it('should estimate past its exact part by the part it read, and at least a token per four bytes', () => {
    const english = 'The quick brown fox jumps over the lazy dog. '.repeat(1_000);
    const estimate = countTokens(english);
    // English runs about 0.22 tokens a character; the four-bytes floor makes the estimate 0.25.
    expect(estimate / exactCount(english)).toBeGreaterThanOrEqual(1);
    expect(estimate / exactCount(english)).toBeLessThan(1.15);
    // A cheap head does not make a dense tail free.
    const tricky = 'a'.repeat(8_000) + '漢字'.repeat(20_000);
    expect(countTokens(tricky)).toBeGreaterThanOrEqual(Math.floor(Buffer.byteLength('漢字'.repeat(20_000)) / 4));
  });

  it('should share one bound of exact counting across a chat', () => {
    const tally = new TokenTally(5);
    expect(tally.count('hello')).toBe(exactCount('hello'));
    // The bound is spent: the next text is estimated, a token per four bytes.
    expect(tally.count('hello world, again')).toBe(Math.ceil(18 / 4));
    expect(countChatTokens(['hello', 'world'])).toBe(exactCount('hello') + exactCount('world') + 9);
  });
});
