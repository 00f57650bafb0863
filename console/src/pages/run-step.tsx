import { AttemptTrail } from '../attempts.js';
import { count, ms, score, usd } from '../format.js';
import { Markdown } from '../markdown.js';
import type { LiveStep } from '../run-state.js';
import type { Evaluation, RequestRecord, RunStep, ToolCall } from '../types.js';
import { StatusBadge } from '../ui.js';

function EvaluationView({ evaluation }: { evaluation: Evaluation }) {
  const lists: [string, string[]][] = [
    ['Strengths', evaluation.strengths],
    ['Weaknesses', evaluation.weaknesses],
    ['Suggestions', evaluation.suggestions],
  ];
  return (
    <div class="evaluation">
      <p>
        <strong data-role="evaluation-score">{score(evaluation.score)}</strong> / 10
        {evaluation.simulated && (
          <span class="badge warn wrap">simulated scores: the upstream simulator's, not a judgement</span>
        )}
      </p>
      <ul class="criteria">
        {Object.entries(evaluation.scores).map(([name, value]) => (
          <li key={name}>
            {name.replace('_', ' ')} <strong>{value}</strong>
          </li>
        ))}
      </ul>
      <div class="lists">
        {lists.map(([title, items]) =>
          items.length === 0 ? null : (
            <div key={title}>
              <h4>{title}</h4>
              <ul>
                {items.map((item, i) => (
                  <li key={i}>{item}</li>
                ))}
              </ul>
            </div>
          ),
        )}
      </div>
    </div>
  );
}

/** The MCP tools a step called: each with its arguments and what it gave (or why not), in order. */
function ToolCalls({ calls }: { calls: ToolCall[] }) {
  return (
    <details class="tool-calls" open data-role="tool-calls">
      <summary>
        {calls.length} tool call{calls.length === 1 ? '' : 's'}
      </summary>
      <ol>
        {calls.map((c) => (
          <li key={c.callId} data-tool={c.tool} data-error-class={c.errorClass ?? ''}>
            <code>{c.tool}</code> <code class="muted">{c.arguments}</code>{' '}
            {c.result === null ? (
              <span class="badge">running…</span>
            ) : (
              <>
                {c.errorClass !== null && <span class="badge warn">{c.errorClass}</span>}
                {c.durationMs !== null && <span class="muted"> {ms(c.durationMs)}</span>}
                <pre class="tool-result">{c.result}</pre>
                {c.truncated && <span class="muted">(cut at MCP_RESULT_MAX_CHARS)</span>}
              </>
            )}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** One step of a run: its text as Markdown (an evaluator's reply as it came), its evaluation, its calls' attempts. */
export function StepCard({
  step,
  stored,
  judged,
  received,
  calls,
}: {
  step: LiveStep;
  stored: RunStep | undefined;
  judged: string | null;
  received: LiveStep[];
  /** The step's model calls from the request log (written about a second after they end). */
  calls: RequestRecord[];
}) {
  const summary = step.summary;
  // Live events tell a step's tool calls; a run read back after its events went has them stored.
  const tools: ToolCall[] =
    step.tools.length > 0
      ? step.tools
      : (stored?.toolCalls ?? []).map((c) => ({ ...c, durationMs: c.durationMs ?? null }));
  const retried = calls.some((c) => c.attempts > 1) || step.status === 'failed';
  return (
    <article
      class={`step role-${step.role}`}
      data-step-id={step.stepId}
      data-role={step.role}
      data-status={step.status}
    >
      <header>
        <span class="badge">{step.role}</span>
        <strong>{step.modelId}</strong>
        <StatusBadge status={step.status} />
        {step.attempts > 1 && <span class="badge warn">attempt {step.attempts}</span>}
        {judged !== null && <span class="muted">judges {judged}</span>}
      </header>
      {step.text !== '' && stored?.evaluation ? (
        <details>
          <summary>The evaluator's reply</summary>
          <pre class="step-text">{step.text}</pre>
        </details>
      ) : (
        step.text !== '' && <Markdown class="step-text" text={step.text} />
      )}
      {tools.length > 0 && <ToolCalls calls={tools} />}
      {step.status === 'running' && step.text === '' && tools.length === 0 && (
        <p class="muted">waiting for the first token…</p>
      )}
      {stored?.evaluation && <EvaluationView evaluation={stored.evaluation} />}
      {stored?.error && calls.length === 0 && (
        <p class="error">
          {stored.error.errorClass}: {stored.error.message}
        </p>
      )}
      {retried &&
        calls.map((call) => (
          <details key={call.id} class="trail" open={step.status === 'failed'}>
            <summary>
              {call.attempts} attempt{call.attempts === 1 ? '' : 's'} for this step
            </summary>
            <AttemptTrail call={call} />
          </details>
        ))}
      {summary !== null && (
        <footer class="facts">
          <span>
            {count(summary.inputTokens)} in / {count(summary.outputTokens)} out tokens
          </span>
          <span>{usd(summary.costUsd)}</span>
          <span>{ms(summary.latencyMs)}</span>
          {stored?.timeToFirstTokenMs != null && <span>first token {ms(stored.timeToFirstTokenMs)}</span>}
          {summary.score !== null && step.role !== 'evaluator' && <span>score {score(summary.score)}</span>}
        </footer>
      )}
      {received.length > 0 && (
        <p class="received">
          Scores received:{' '}
          {received.map((r) => (
            <span key={r.stepId} class="badge">
              {r.modelId}: {score(r.summary?.score)}
            </span>
          ))}
        </p>
      )}
    </article>
  );
}
