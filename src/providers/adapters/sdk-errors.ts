import { LinkedAbort } from '../../common/linked-abort.js';
import { classOfStatus, ErrorClass, parseRetryAfter, ProviderError } from '../provider.error.js';
import type { ProviderEvent } from '../provider.types.js';

interface SdkApiError {
  status?: number;
  headers?: Headers | Record<string, string>;
  message: string;
  name: string;
}

function header(headers: SdkApiError['headers'], name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

/**
 * Maps an error thrown by the openai or @anthropic-ai/sdk client (they share their error classes'
 * names and shape) to a ProviderError with a class.
 */
export function cancelled(provider: string, model: string, signal: AbortSignal): ProviderError {
  const reason: unknown = signal.reason;
  return reason instanceof ProviderError
    ? reason
    : new ProviderError('cancelled', 'The request was cancelled', { provider, model });
}

export function fromSdkError(error: unknown, provider: string, model: string, signal: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as SdkApiError;
  // The SDKs' error classes do not set `name`; their constructor names tell them apart.
  const kind = (e as { constructor?: { name?: string } })?.constructor?.name ?? e?.name;
  const details = { provider, model };
  if (signal.aborted || kind === 'APIUserAbortError' || e?.name === 'AbortError') {
    return cancelled(provider, model, signal);
  }
  if (kind === 'APIConnectionTimeoutError') return new ProviderError('timeout', e.message, details);
  if (typeof e?.status === 'number') {
    const errorClass: ErrorClass = classOfStatus(e.status);
    return new ProviderError(errorClass, e.message, {
      ...details,
      status: e.status,
      retryAfterMs: parseRetryAfter(header(e.headers, 'retry-after')),
    });
  }
  if (kind === 'APIConnectionError') return new ProviderError('network', e.message, details);
  if (e instanceof SyntaxError || /JSON|Unexpected (end|token)|stream ended/i.test(e?.message ?? '')) {
    return new ProviderError('malformed', `Malformed answer from the provider: ${e.message}`, details);
  }
  if (/terminated|socket|ECONNRESET|other side closed|fetch failed/i.test(e?.message ?? '')) {
    return new ProviderError('network', e.message, details);
  }
  return new ProviderError('unknown', e?.message ?? String(error), details);
}

/**
 * The per-attempt timeout: an abort signal that also fires when no chunk has arrived for
 * `timeoutMs` (before the first token and between tokens, not over a long answer). Its reason is a
 * ProviderError of class timeout.
 */
export function idleTimeout(timeoutMs: number, signal: AbortSignal, provider: string, model: string): LinkedAbort {
  const watchdog = new LinkedAbort(
    signal,
    timeoutMs,
    () =>
      new ProviderError('timeout', `No answer from ${provider}/${model} within ${timeoutMs} ms`, { provider, model }),
  );
  watchdog.arm();
  return watchdog;
}

/**
 * What both adapters do around their SDK's stream: the idle timeout, every failure turned into a
 * ProviderError, and a quiet end after an abort (the SDKs end the stream without an error) turned
 * into one too. `open` starts the request with the given signal (its events, or the one whole
 * answer in an array); `translate` maps each SDK event;
 * `finish` gives the events due once the stream has ended.
 */
export async function* guardedStream<E>(
  options: { provider: string; timeoutMs: number },
  model: string,
  signal: AbortSignal,
  open: (signal: AbortSignal) => Promise<AsyncIterable<E> | E[]>,
  translate: (event: E) => ProviderEvent[],
  finish: () => ProviderEvent[] = () => [],
): AsyncIterable<ProviderEvent> {
  const watchdog = idleTimeout(options.timeoutMs, signal, options.provider, model);
  try {
    const stream = await open(watchdog.signal);
    // A whole answer (an array) is read as it is: `for await` over an array, and `yield*` over one,
    // cost a few promises per element, on the path of every call.
    if (Array.isArray(stream)) {
      watchdog.disarm();
      for (const event of stream) for (const out of translate(event)) yield out;
    } else {
      for await (const event of stream) {
        // The clock runs while we wait for the upstream, not while the caller handles a chunk.
        watchdog.disarm();
        for (const out of translate(event)) yield out;
        watchdog.arm();
      }
      watchdog.disarm();
    }
    if (watchdog.signal.aborted) throw cancelled(options.provider, model, watchdog.signal);
    for (const out of finish()) yield out;
  } catch (error) {
    throw fromSdkError(error, options.provider, model, watchdog.signal);
  } finally {
    watchdog.dispose();
  }
}

/** The events of a server-sent-event stream, one block (`event: …` / `data: …` lines) each, as the provider wrote them. */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffered.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end).replace(/^\r?\n\r?\n/, '');
      if (event.trim() !== '') yield event;
    }
  }
  if (buffered.trim() !== '') yield buffered;
}

/** The `data:` of one server-sent event. */
export function sseData(event: string): string {
  return event
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
}
