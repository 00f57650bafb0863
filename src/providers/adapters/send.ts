import { ProviderError } from '../provider.error.js';
import type { CompletionRequest, ProviderAdapter, ProviderEvent } from '../provider.types.js';

/**
 * Sends a request to the adapter's method for it: a chat the engine built to `chat`, a relayed
 * body (in the adapter's protocol) to the method of its API. A body the adapter's protocol cannot
 * carry is refused before anything is sent.
 */
export function send(
  adapter: ProviderAdapter,
  model: string,
  request: CompletionRequest,
  signal: AbortSignal,
): AsyncIterable<ProviderEvent> {
  if (request.kind === 'chat') return adapter.chat(model, request, signal);
  const body = request.bodies[adapter.protocol];
  const relay =
    request.endpoint === 'chat'
      ? adapter.relayChat.bind(adapter)
      : request.endpoint === 'embeddings'
        ? adapter.embed?.bind(adapter)
        : adapter.respond?.bind(adapter);
  if (body === undefined || relay === undefined) {
    throw new ProviderError(
      'bad_request',
      `This request cannot be sent to a provider of the ${adapter.protocol} protocol`,
    );
  }
  return relay(model, body, signal, request.headers?.[adapter.protocol]);
}
