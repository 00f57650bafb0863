import { ADMIN_KEY } from './app.js';

/** A JSON request to a server the spec started as a process (fetch, not supertest). */
export async function call<T = Record<string, unknown>>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T }> {
  const authorization = `Bearer ${init.key ?? ADMIN_KEY}`;
  const response = await fetch(base + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: parsed(text) as T };
}

/** Polls `probe` every 100 ms until it gives a value, for at most `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
  last?: () => unknown,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last?.())})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A body as JSON, or its text when it is not JSON; null when empty. */
function parsed(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Waits until `read` gives what `ok` accepts (a page or a log that is written a moment later). */
export function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  ms = 15_000,
): Promise<T> {
  let last: T | undefined;
  return until(
    what,
    async () => {
      last = await read();
      return ok(last) ? last : undefined;
    },
    ms,
    () => last,
  );
}
