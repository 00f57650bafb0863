import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';

type RequestBody = Dispatcher.RequestOptions['body'];

/**
 * What the SDKs read of a response: status, headers, `json()`/`text()` for a whole answer, and
 * `body` for a stream, which they iterate with `for await` when it is async-iterable (they do
 * that before reaching for a WHATWG reader). Here `body` is undici's Node stream of bytes.
 */
class UpstreamResponse {
  bodyUsed = false;
  readonly statusText = '';
  readonly redirected = false;

  private built: Headers | undefined;

  constructor(
    readonly url: string,
    readonly status: number,
    private readonly raw: IncomingHttpHeaders,
    readonly body: Dispatcher.ResponseData['body'],
  ) {}

  /** Built when read: the gateway's fast path reads a refusal's headers only. */
  get headers(): Headers {
    return (this.built ??= responseHeaders(this.raw));
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  json(): Promise<unknown> {
    this.bodyUsed = true;
    return this.body.json();
  }

  text(): Promise<string> {
    this.bodyUsed = true;
    return this.body.text();
  }
}

function headersOf(given: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (given === undefined || given === null) return out;
  const pairs =
    given instanceof Headers || Array.isArray(given)
      ? (given as Iterable<[string, string]>)
      : Object.entries(given as Record<string, string>);
  for (const [name, value] of pairs) out[name.toLowerCase()] = value;
  return out;
}

function responseHeaders(given: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(given)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/**
 * The HTTP client under both SDKs (they take any `fetch`): the request API of undici over one
 * keep-alive connection pool for every provider. The WHATWG fetch (Node's global one, or undici's)
 * builds a Request, a cloned body, web streams and abort signals for every call: measured, that
 * was nearly half of the gateway's CPU per call (`npm run bench:gateway`; bench/results). This is
 * the part of fetch the SDKs use for JSON and server-sent-event calls, no more: no redirects
 * followed (a 3xx reaches the SDK as an error status), no decompression (none is asked for), and a
 * string or bytes body.
 */
export class UpstreamHttp {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000 });

  /** The `fetch` handed to the SDKs. */
  readonly fetch = (async (input: string | URL, init: RequestInit = {}) => {
    const url = this.parsed(String(input));
    if (
      init.body !== undefined &&
      init.body !== null &&
      typeof init.body !== 'string' &&
      !(init.body instanceof Uint8Array)
    ) {
      throw new TypeError('UpstreamHttp sends a string or bytes body only');
    }
    const response = await this.agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: init.method ?? 'GET',
      headers: headersOf(init.headers),
      body: (init.body ?? undefined) as RequestBody,
      signal: init.signal ?? undefined,
    });
    return new UpstreamResponse(url.href, response.statusCode, response.headers, response.body);
  }) as unknown as typeof globalThis.fetch;

  /** Each URL parsed once: every call of a provider goes to one of a few. */
  private readonly urls = new Map<string, URL>();

  private parsed(href: string): URL {
    let url = this.urls.get(href);
    if (url === undefined) {
      url = new URL(href);
      if (this.urls.size >= 256) this.urls.clear();
      this.urls.set(href, url);
    }
    return url;
  }

  /** Lets calls under way finish, then closes the connections. */
  close(): Promise<void> {
    return this.agent.close();
  }
}
