import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { duration, score, usd, when } from '../format.js';
import { FINAL_STATUSES, type Page, type RunSummary } from '../types.js';
import { DataTable, ErrorNote, num, Section, StatusBadge, useAction, useInterval, useLoad } from '../ui.js';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'budget_exceeded', 'interrupted'];
const STRATEGIES = ['', 'route', 'improve', 'ensemble', 'cascade', 'compare', 'council', 'debate'];
const PAGE = 25;

/** The key's runs, newest first; the first page is read again every 2 s while any run is going. */
export function Runs() {
  const [status, setStatus] = useState('');
  const [strategy, setStrategy] = useState('');
  const [older, setOlder] = useState<RunSummary[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const first = useLoad(
    () => api.get<Page<RunSummary>>('/api/orchestrate/runs', { limit: PAGE, status, strategy }),
    [status, strategy],
  );
  const going = first.data?.items.some((r) => !FINAL_STATUSES.includes(r.status)) ?? false;
  useInterval(first.reload, going ? 2000 : 10_000);

  const runs = [...(first.data?.items ?? []), ...older.filter((o) => !first.data?.items.some((r) => r.id === o.id))];
  const next = cursor === undefined ? (first.data?.nextCursor ?? null) : cursor;
  const more = useAction(async () => {
    if (next === null) return;
    const page = await api.get<Page<RunSummary>>('/api/orchestrate/runs', {
      limit: PAGE,
      status,
      strategy,
      cursor: next,
    });
    setOlder((o) => [...o, ...page.items]);
    setCursor(page.nextCursor);
  });
  const filter = (set: (v: string) => void) => (e: Event) => {
    set((e.currentTarget as HTMLSelectElement).value);
    setOlder([]);
    setCursor(undefined);
  };

  return (
    <Section
      title="Runs"
      actions={
        <div class="row">
          <select aria-label="Status" value={status} onChange={filter(setStatus)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any status' : s}
              </option>
            ))}
          </select>
          <select aria-label="Strategy" value={strategy} onChange={filter(setStrategy)}>
            {STRATEGIES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any strategy' : s}
              </option>
            ))}
          </select>
          <a class="button" href="#/new">
            New run
          </a>
        </div>
      }
    >
      <ErrorNote error={first.error ?? more.error} />
      {first.data !== null && runs.length === 0 && (
        <p class="muted">
          No runs yet. <a href="#/new">Start one.</a>
        </p>
      )}
      {runs.length > 0 && (
        <DataTable
          class="runs"
          columns={['Status', 'Strategy', 'Prompt', 'Domain', num('Score'), num('Cost'), num('Duration'), 'Started']}
        >
          {runs.map((run) => (
            <tr key={run.id} data-run-id={run.id}>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{run.strategy}</td>
              <td class="prompt">
                <a href={`#/runs/${run.id}`}>{run.prompt.length > 90 ? `${run.prompt.slice(0, 90)}…` : run.prompt}</a>
              </td>
              <td>{run.domain ?? '–'}</td>
              <td class="num">{score(run.score)}</td>
              <td class="num">{usd(run.totals.costUsd, run.totals.unknownCostCalls)}</td>
              <td class="num">{duration(run.createdAt, run.endedAt)}</td>
              <td>{when(run.createdAt)}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {next !== null && (
        <button type="button" class="ghost" disabled={more.busy} onClick={() => void more.run()}>
          Older runs
        </button>
      )}
    </Section>
  );
}
