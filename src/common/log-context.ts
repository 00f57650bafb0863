import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line is about, where known: the HTTP request, the run, the trace. */
export interface LogContext {
  requestId?: string;
  runId?: string;
  traceId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** The context of the code running now (every log line carries it). */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** Runs `fn` (and everything it starts) with `context` added to the current one. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}
