import { countTokens } from 'gpt-tokenizer';

/**
 * Tokens of a chat's messages by OpenAI's counting rule (o200k encoding, 3 tokens of framing per
 * message and 3 to prime the answer). Other tokenizers differ by a few percent: an estimate.
 */
export function countChatTokens(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + countTokens(text) + 3, 3);
}
