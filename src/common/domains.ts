/** The domains a prompt can belong to; models have a strength in each. */
export const DOMAINS = [
  'coding',
  'math',
  'creative',
  'analysis',
  'reasoning',
  'translation',
  'factual',
  'general',
] as const;
export type Domain = (typeof DOMAINS)[number];
