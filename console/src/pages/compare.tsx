import { api } from '../api.js';
import { count, ms, score, usd } from '../format.js';
import type { LiveStep } from '../run-state.js';
import type { RunDetail } from '../types.js';
import { ErrorNote, Section, StatusBadge, useLoad } from '../ui.js';
import { useLiveRun } from './run.js';

const ANSWERING = new Set(['primary', 'proposer', 'debater']);

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** A run's answers side by side (compare: every model's), each with the scores its evaluators gave. */
export function Compare({ id }: { id: string }) {
  const [live, feed] = useLiveRun(id);
  const detail = useLoad(() => api.get<RunDetail>(`/api/orchestrate/runs/${id}`), [id, live.status]);
  const answers = live.steps.filter((s) => ANSWERING.has(s.role) && s.iteration === 1);
  const scoresOf = (step: LiveStep) =>
    live.steps
      .filter((s) => s.summary?.evaluatesStepId === step.stepId && s.summary.score !== null)
      .map((s) => s.summary!.score!);
  const best = Math.max(...answers.map((a) => mean(scoresOf(a)) ?? -1));

  return (
    <Section
      title={`Compare: run ${id}`}
      actions={
        <div class="row">
          <span class={`feed feed-${feed.state}`}>{feed.state}</span>
          <StatusBadge status={live.status ?? detail.data?.status ?? null} />
          <a class="button ghost" href={`#/runs/${id}`}>
            Timeline
          </a>
        </div>
      }
    >
      <ErrorNote error={detail.error} />
      {detail.data && <blockquote class="prompt-text">{detail.data.prompt}</blockquote>}
      {answers.length === 0 && <p class="muted">No answer has started yet.</p>}
      <div class="columns">
        {answers.map((step) => {
          const scores = scoresOf(step);
          const average = mean(scores);
          return (
            <article
              key={step.stepId}
              class={`column ${average !== null && average === best ? 'best' : ''}`}
              data-step-id={step.stepId}
              data-model={step.modelId}
            >
              <header>
                <strong>{step.modelId}</strong> <StatusBadge status={step.status} />
              </header>
              <p class="score-line">
                score <strong data-role="mean-score">{score(average)}</strong>
                {scores.length > 0 && <span class="muted"> ({scores.map((v) => score(v)).join(', ')})</span>}
                {average !== null && average === best && <span class="badge ok">best</span>}
              </p>
              <pre class="step-text">{step.text}</pre>
              {step.summary && (
                <footer class="facts">
                  <span>{count(step.summary.outputTokens)} tokens out</span>
                  <span>{usd(step.summary.costUsd)}</span>
                  <span>{ms(step.summary.latencyMs)}</span>
                </footer>
              )}
            </article>
          );
        })}
      </div>
    </Section>
  );
}
