/** What an adapter is made with: one provider's endpoint and key. */
export interface AdapterOptions {
  provider: string;
  apiKey: string;
  baseUrl: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** The HTTP client (UpstreamHttp); the SDK's default, Node's global fetch, when absent. */
  fetch?: typeof globalThis.fetch;
}

/** An official SDK client's options: our timeout and HTTP client, and no retries (ours are the one resilience layer). */
export function sdkClientOptions(options: AdapterOptions) {
  return {
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: options.fetch,
  };
}
