import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Chart } from '../chart.js';
import { count, duration, score, usd, when } from '../format.js';
import { followRun, type FeedState } from '../live.js';
import { Markdown } from '../markdown.js';
import { applyEvent, emptyRun, type LiveRun } from '../run-state.js';
import { FINAL_STATUSES, type Page, type RequestRecord, type RunDetail } from '../types.js';
import { ErrorNote, Section, StatusBadge, useAction, useLoad } from '../ui.js';
import { StepCard } from './run-step.js';

/** The run as the live events build it, and the feed's state. */
export function useLiveRun(id: string): [LiveRun, FeedState, number] {
  const [run, setRun] = useState(() => emptyRun(id));
  const [feed, setFeed] = useState<FeedState>({ state: 'connecting' });
  const [completedSteps, setCompletedSteps] = useState(0);
  useEffect(() => {
    setRun(emptyRun(id));
    return followRun(
      id,
      (event) => {
        setRun((current) => applyEvent(current, event));
        if (event.type === 'step.completed' || event.type.startsWith('run.')) setCompletedSteps((n) => n + 1);
      },
      setFeed,
    );
  }, [id]);
  return [run, feed, completedSteps];
}

const FEED_TEXT: Record<FeedState['state'], string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'not live',
};

/** Where a run that is going stands: its iteration against its cap where it loops, and what runs now. */
export function progressLine(live: LiveRun, run: RunDetail | null): string | null {
  const iteration = Math.max(0, ...live.steps.map((s) => s.iteration));
  const maxIterations = run?.options.maxIterations;
  const loops = live.strategy === 'improve' || live.strategy === 'cascade';
  const done = live.steps.filter((s) => s.status !== 'running').length;
  const running = live.steps.filter((s) => s.status === 'running');
  const parts = [
    iteration === 0
      ? 'Choosing the team'
      : loops && typeof maxIterations === 'number'
        ? `Iteration ${iteration} of at most ${maxIterations}`
        : `Stage ${iteration}`,
    `${done} step${done === 1 ? '' : 's'} done`,
    running.length > 0 && `now: ${running.map((s) => `${s.role} ${s.modelId}`).join(', ')}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** A run's title: its prompt's first line, cut to a readable length. */
const titleOf = (prompt: string) => {
  const line = prompt.trim().split('\n')[0];
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
};

export function RunPage({ id }: { id: string }) {
  const [live, feed, changes] = useLiveRun(id);
  const detail = useLoad(() => api.get<RunDetail>(`/api/orchestrate/runs/${id}`), [id]);
  // Each call's attempts, from the request log (written in batches about a second apart).
  const calls = useLoad(() => api.get<Page<RequestRecord>>('/api/requests', { runId: id, limit: 100 }), [id]);
  // The stored run brings what events do not carry (evaluations' lists, errors): read again as steps end.
  const reloadTimer = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (changes === 0) return;
    clearTimeout(reloadTimer.current);
    reloadTimer.current = window.setTimeout(() => {
      detail.reload();
      calls.reload();
      window.setTimeout(calls.reload, 1500);
    }, 300);
  }, [changes]);
  const cancel = useAction(() => api.post(`/api/orchestrate/runs/${id}/cancel`));

  const run = detail.data;
  const status = live.status ?? run?.status ?? null;
  const going = status !== null && !FINAL_STATUSES.includes(status);
  const storedSteps = useMemo(() => new Map((run?.steps ?? []).map((s) => [s.stepId, s])), [run]);
  const byId = new Map(live.steps.map((s) => [s.stepId, s]));
  const iterations = [...new Set(live.steps.map((s) => s.iteration))].sort((a, b) => a - b);
  const totals = live.totals ?? run?.totals ?? null;
  const answer = live.outcome?.answer ?? run?.answer ?? null;
  const answerModel = live.outcome?.modelId ?? run?.answerModelId ?? null;
  const finalScore = live.outcome?.score ?? run?.score ?? null;
  const callsOf = (stepId: string) => (calls.data?.items ?? []).filter((c) => c.stepId === stepId);
  const attempts = (calls.data?.items ?? []).reduce((sum, c) => sum + c.attempts, 0);
  const progress = going ? progressLine(live, run ?? null) : null;

  return (
    <div class="stack">
      <Section
        title={run ? titleOf(run.prompt) : `Run ${id}`}
        actions={
          <div class="row">
            <span class={`feed feed-${feed.state}`} title={'reason' in feed ? feed.reason : ''} data-feed={feed.state}>
              {FEED_TEXT[feed.state]}
            </span>
            {(live.strategy ?? run?.strategy) === 'compare' && (
              <a class="button ghost" href={`#/runs/${id}/compare`}>
                Side by side
              </a>
            )}
            {going && (
              <button type="button" class="danger" disabled={cancel.busy} onClick={() => void cancel.run()}>
                Cancel run
              </button>
            )}
          </div>
        }
      >
        <p class="muted mono">run {id}</p>
        {progress !== null && (
          <p class="progress" data-testid="progress" role="status">
            {progress}
          </p>
        )}
        <ErrorNote error={detail.error ?? cancel.error} />
        {feed.state === 'closed' && <p class="error">Live events stopped: {feed.reason}</p>}
        <dl class="facts-grid">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={status} />
            </dd>
          </div>
          <div>
            <dt>Strategy</dt>
            <dd>{live.strategy ?? run?.strategy ?? '–'}</dd>
          </div>
          <div>
            <dt>Domain</dt>
            <dd>
              {live.domain?.domain ?? run?.domain ?? '–'}{' '}
              {live.domain && <span class="muted">({live.domain.complexity})</span>}
            </dd>
          </div>
          <div>
            <dt>Score</dt>
            <dd data-testid="final-score">{score(finalScore)}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{totals === null ? '–' : usd(totals.costUsd, totals.unknownCostCalls)}</dd>
          </div>
          <div>
            <dt>Calls</dt>
            <dd data-testid="calls">
              {totals?.calls ?? live.steps.length}
              {attempts > (totals?.calls ?? live.steps.length) && <span class="muted"> ({attempts} attempts)</span>}
            </dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>{totals === null ? '–' : `${count(totals.inputTokens)} in / ${count(totals.outputTokens)} out`}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{run ? duration(run.createdAt, run.endedAt) : '–'}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{when(run?.createdAt)}</dd>
          </div>
        </dl>
        {run && <blockquote class="prompt-text">{run.prompt}</blockquote>}
        {live.team && (
          <p class="muted">
            Team:{' '}
            {Object.entries(live.team)
              .filter(([, models]) => models.length > 0)
              .map(([role, models]) => `${role}: ${models.join(', ')}`)
              .join(' · ')}
          </p>
        )}
        {live.costWarning && (
          <p class="warn">
            Cost warning: {usd(live.costWarning.spentUsd)} of {usd(live.costWarning.limitUsd)} spent.
          </p>
        )}
        {live.problem && (
          <p class="error">
            {live.problem.kind}: {live.problem.message}
          </p>
        )}
      </Section>

      {(answer !== null || live.outcome) && (
        <Section title="Final answer">
          <Markdown class="answer" data-testid="final-answer" text={answer ?? '(none)'} />
          <p class="muted">
            Written by <strong>{answerModel ?? '–'}</strong>
            {run?.answerStepId && <> in step {run.answerStepId}</>}, score {score(finalScore)}
            {run?.thresholdMet && <> (threshold met)</>}
            {run?.answerMessageId && (
              <>
                , stored as message {run.answerMessageId} of thread {run.threadId}
              </>
            )}
            .
          </p>
        </Section>
      )}

      {live.iterations.length > 0 && (
        <Section title="Scores by iteration">
          <Chart
            title="Iteration scores"
            xLabel="iteration"
            kind="line"
            height={180}
            labels={live.iterations.map((i) => `#${i.iteration}`)}
            series={[
              { label: 'score', values: live.iterations.map((i) => i.score), color: '#3b82f6', format: score },
              {
                label: 'best so far',
                values: live.iterations.map((i) => i.bestScore),
                color: '#22c55e',
                format: score,
              },
            ]}
          />
        </Section>
      )}

      <Section title={`Steps (${live.steps.length})`}>
        {live.steps.length === 0 && <p class="muted">No step has started yet.</p>}
        {iterations.map((iteration) => (
          <div key={iteration} class="iteration">
            <h3>Iteration {iteration}</h3>
            {live.steps
              .filter((s) => s.iteration === iteration)
              .map((step) => {
                const judgedStep = step.summary?.evaluatesStepId ? byId.get(step.summary.evaluatesStepId) : undefined;
                return (
                  <StepCard
                    key={step.stepId}
                    step={step}
                    stored={storedSteps.get(step.stepId)}
                    judged={judgedStep ? `${judgedStep.role} ${judgedStep.modelId}` : null}
                    received={live.steps.filter((s) => s.summary?.evaluatesStepId === step.stepId)}
                    calls={callsOf(step.stepId)}
                  />
                );
              })}
          </div>
        ))}
      </Section>

      <Section title={`Events (${live.log.length})`}>
        <details>
          <summary>Every event received, in order</summary>
          <ol class="events">
            {live.log.map((e) => (
              <li key={e.seq} data-seq={e.seq}>
                <code>{e.seq}</code> {e.type} <span class="muted">{when(e.at)}</span>
              </li>
            ))}
          </ol>
        </details>
      </Section>
    </div>
  );
}
