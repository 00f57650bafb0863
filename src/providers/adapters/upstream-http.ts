import { Agent, fetch as undiciFetch } from 'undici';

/**
 * The HTTP client under both SDKs: undici's own `fetch` over one keep-alive connection pool for
 * every provider. Same Fetch standard as Node's global `fetch` (an older undici bundled into Node
 * 20), but about a quarter less CPU per call on the gateway path (measured with `npm run
 * bench:gateway`).
 */
export class UpstreamHttp {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000 });

  /** The `fetch` handed to the SDKs (they take any standard one). */
  readonly fetch = ((input: string | URL, init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher: this.agent })) as unknown as typeof globalThis.fetch;

  /** Lets calls under way finish, then closes the connections. */
  close(): Promise<void> {
    return this.agent.close();
  }
}
