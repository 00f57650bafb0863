import { ProviderError } from '../provider.error.js';
import { AnthropicAdapter } from './anthropic.adapter.js';
import { OpenAiAdapter } from './openai.adapter.js';
import { send } from './send.js';

/** Adapters pointed at a port nothing listens on: a refusal must come before anything is sent. */
const options = { provider: 'test', apiKey: 'not-a-key', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 };

describe('send', () => {
  const signal = new AbortController().signal;

  it('should refuse a relayed body the adapter has no body in its protocol for', () => {
    const refusal = () =>
      send(new OpenAiAdapter(options), 'm', { kind: 'relay', endpoint: 'chat', bodies: { anthropic: {} } }, signal);
    expect(refusal).toThrow(ProviderError);
    expect(refusal).toThrow('This request cannot be sent to a provider of the openai protocol');
  });

  it('should refuse an API the protocol does not have (embeddings on Anthropic)', () => {
    const refusal = () =>
      send(
        new AnthropicAdapter({ ...options, provider: 'anthropic' }),
        'm',
        { kind: 'relay', endpoint: 'embeddings', bodies: { anthropic: { input: 'x' } } },
        signal,
      );
    expect(refusal).toThrow('This request cannot be sent to a provider of the anthropic protocol');
  });
});
