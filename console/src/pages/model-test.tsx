import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { errorInWords } from '../attempts.js';
import { count, ms, usd } from '../format.js';
import { Markdown } from '../markdown.js';
import { ErrorNote, NumberInput, submitted, useAction } from '../ui.js';

/** POST /api/models/{id}/test's answer. */
interface ModelTestResult {
  modelId: string;
  ok: boolean;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  attempts: number;
  text: string;
  finishReason: string | null;
  usage: { inputTokens: number; outputTokens: number } | null;
  cost: { known: boolean; totalUsd: number | null };
  error: { errorClass: string; message: string } | null;
}

/** Admin: one real call to a model, with a prompt of one's own, and what it cost. */
export function ModelTest({ modelId }: { modelId: string }) {
  const [prompt, setPrompt] = useState('Say hello in five words.');
  const [maxTokens, setMaxTokens] = useState('64');
  const [result, setResult] = useState<ModelTestResult | null>(null);
  const test = useAction(async () => {
    setResult(null);
    setResult(
      await api.post<ModelTestResult>(`/api/models/${encodeURIComponent(modelId)}/test`, {
        prompt,
        ...(maxTokens !== '' && { maxTokens: Number(maxTokens) }),
      }),
    );
  });
  return (
    <div class="model-test stack" data-model-test={modelId}>
      <form class="row" onSubmit={submitted(test.run)}>
        <input
          name="testPrompt"
          aria-label="Test prompt"
          required
          maxLength={2000}
          value={prompt}
          onInput={(e) => setPrompt(e.currentTarget.value)}
        />
        <NumberInput label="Max tokens" name="testMaxTokens" min={1} step={1} value={maxTokens} set={setMaxTokens} />
        <button type="submit" disabled={test.busy}>
          {test.busy ? 'Calling…' : 'Send'}
        </button>
      </form>
      <ErrorNote error={test.error} />
      {result && (
        <div class="test-result" data-ok={String(result.ok)} role="status">
          {result.ok ? (
            <Markdown class="answer" data-testid="test-answer" text={result.text} />
          ) : (
            <p class="error">
              No answer: {errorInWords(result.error?.errorClass ?? 'unknown')} — {result.error?.message}
            </p>
          )}
          <p class="facts">
            <span>{ms(result.latencyMs)}</span>
            <span>first token {ms(result.timeToFirstTokenMs)}</span>
            <span>
              {result.attempts} attempt{result.attempts === 1 ? '' : 's'}
            </span>
            {result.usage && (
              <span>
                {count(result.usage.inputTokens)} in / {count(result.usage.outputTokens)} out tokens
              </span>
            )}
            <span data-testid="test-cost">{result.cost.known ? usd(result.cost.totalUsd) : 'unknown price'}</span>
          </p>
        </div>
      )}
    </div>
  );
}
