/** The REST API from the browser: the key from sessionStorage as a bearer token, errors as ApiError. */

const KEY = 'orchestratex.apiKey';

/** The API key is typed once and kept for this tab only (never in the URL or localStorage). */
export const storedKey = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The key limit a 429 or 403 names (`x-orchestratex-limit`). */
    readonly limit: string | null = null,
    /** Seconds, from `Retry-After`. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

let unauthorized: (error: ApiError) => void = () => undefined;

/** Called when a request answers 401: the key was revoked or is unknown. */
export function onUnauthorized(listener: (error: ApiError) => void): void {
  unauthorized = listener;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

function messageOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { message, error } = body as { message?: unknown; error?: unknown };
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return null;
}

async function send<T>(method: string, path: string, body?: unknown, key = storedKey.get()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The server cannot be reached: is it running?');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    const error = new ApiError(
      response.status,
      messageOf(parsed) ?? `${response.status} ${response.statusText}`,
      response.headers.get('x-orchestratex-limit'),
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    );
    if (response.status === 401) unauthorized(error);
    throw error;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => send<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => send<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => send<T>('PATCH', path, body),
  delete: (path: string) => send<void>('DELETE', path),
  /** Checks a key before it is kept: its own description, or an ApiError. */
  whoIs: <T>(key: string) => send<T>('GET', '/api/me', undefined, key),
};

/** What the user reads about a failed request: the status, what the server said, and which limit. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 0) return error.message;
  if (error.status === 401) return `The API key is unknown or revoked (401): ${error.message}`;
  if (error.status === 429) {
    const limit = error.limit === null ? '' : ` (limit: ${error.limit})`;
    const retry = error.retryAfter === null ? '' : `; retry in ${error.retryAfter} s`;
    return `Too many requests${limit}: ${error.message}${retry}`;
  }
  return `${error.status}: ${error.message}`;
}
