import type {
  CompletionResult,
  FinishReason,
  NormalizedUsage,
  ProviderEvent,
} from '../../src/providers/provider.types.js';

/** Runs a stream to its end and gathers the answer. */
export async function collect(events: AsyncIterable<ProviderEvent>): Promise<CompletionResult> {
  let text = '';
  let usage: NormalizedUsage | null = null;
  let finishReason: FinishReason = 'other';
  for await (const event of events) {
    if (event.type === 'delta') text += event.text;
    else if (event.type === 'usage') usage = event.usage;
    else if (event.type === 'finish') finishReason = event.reason;
  }
  return { text, usage, finishReason };
}
