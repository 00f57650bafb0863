import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package's CommonJS build, loaded when a process first needs it rather than when it starts: for
 * the large ones only some processes use (the tokenizer's tables, the Anthropic SDK, BullMQ), so
 * that a process without them keeps their memory (`npm run bench:gateway`: peak RSS). Synchronous,
 * so their callers stay so.
 */
export function requireWhenNeeded<T>(name: string): T {
  return require(name) as T;
}
