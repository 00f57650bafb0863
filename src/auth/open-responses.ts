import type { ServerResponse } from 'node:http';

/**
 * The responses still open, by the key that asked for them, so that revoking a key also ends
 * what it is being sent (an SSE stream of a run, a streamed `/v1` answer, a `?wait=true`) instead
 * of letting it run to its end.
 */
export class OpenResponses {
  private readonly byKey = new Map<string, Set<ServerResponse>>();

  /** Keeps `response` under `keyId` until it closes. */
  track(keyId: string, response: ServerResponse): void {
    if (response.writableEnded) return;
    let open = this.byKey.get(keyId);
    if (open === undefined) {
      open = new Set();
      this.byKey.set(keyId, open);
    }
    const set = open;
    set.add(response);
    response.once('close', () => {
      set.delete(response);
      if (set.size === 0 && this.byKey.get(keyId) === set) this.byKey.delete(keyId);
    });
  }

  /** The keys with responses open. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** Cuts every open response of the key (its connection is closed; the client sees the stream end). */
  end(keyId: string): void {
    const open = this.byKey.get(keyId);
    if (open === undefined) return;
    this.byKey.delete(keyId);
    for (const response of open) response.destroy();
  }
}
