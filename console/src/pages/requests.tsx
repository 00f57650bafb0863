import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { AttemptTrail } from '../attempts.js';
import { count, ms, usd, when } from '../format.js';
import type { CurrentKey, Page, RequestRecord } from '../types.js';
import { DataTable, ErrorNote, num, Section, StatusBadge, useAction, useInterval, useLoad } from '../ui.js';

const PAGE = 50;
const STATUSES = ['', 'succeeded', 'failed'];

function Detail({ call }: { call: RequestRecord }) {
  return (
    <div class="request-detail" data-request-detail={call.id}>
      {(call.runId !== null || call.requestId !== null) && (
        <p>
          {call.runId !== null && (
            <>
              Run <a href={`#/runs/${call.runId}`}>{call.runId}</a>{' '}
            </>
          )}
          {call.requestId !== null && <>· request {call.requestId}</>}
        </p>
      )}
      <AttemptTrail call={call} />
    </div>
  );
}

/** Every model call, newest first, filtered; the first page is read again every 2 s. */
export function Requests({ me }: { me: CurrentKey }) {
  const [status, setStatus] = useState('');
  const [modelId, setModelId] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [older, setOlder] = useState<RequestRecord[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const query = { limit: PAGE, status, modelId: modelId.trim() };
  const first = useLoad(() => api.get<Page<RequestRecord>>('/api/requests', query), [status, modelId]);
  useInterval(first.reload, 2000);
  const calls = [...(first.data?.items ?? []), ...older.filter((o) => !first.data?.items.some((c) => c.id === o.id))];
  const next = cursor === undefined ? (first.data?.nextCursor ?? null) : cursor;
  const more = useAction(async () => {
    if (next === null) return;
    const page = await api.get<Page<RequestRecord>>('/api/requests', { ...query, cursor: next });
    setOlder((o) => [...o, ...page.items]);
    setCursor(page.nextCursor);
  });
  const reset = () => {
    setOlder([]);
    setCursor(undefined);
  };

  return (
    <Section
      title="Requests"
      actions={
        <div class="row">
          <select
            aria-label="Status"
            value={status}
            onChange={(e) => {
              setStatus(e.currentTarget.value);
              reset();
            }}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any status' : s}
              </option>
            ))}
          </select>
          <input
            aria-label="Model"
            placeholder="model id, e.g. openai/gpt-5.4-mini"
            value={modelId}
            onChange={(e) => {
              setModelId(e.currentTarget.value);
              reset();
            }}
          />
        </div>
      }
    >
      <p class="muted">
        {me.role === 'admin' ? "Every owner's model calls" : 'The model calls of your keys'}: gateway calls, run steps
        and model tests. Click one for its attempts.
      </p>
      <ErrorNote error={first.error ?? more.error} />
      {first.data !== null && calls.length === 0 && <p class="muted">No calls match.</p>}
      {calls.length > 0 && (
        <DataTable
          class="requests"
          columns={[
            'When',
            'Model',
            'Role',
            'Status',
            num('Attempts'),
            num('Latency'),
            num('First token'),
            num('Tokens'),
            num('Cost'),
          ]}
        >
          {calls.map((call) => [
            <tr
              key={call.id}
              data-request-id={call.id}
              class="clickable"
              onClick={() => setOpen(open === call.id ? null : call.id)}
            >
              <td>{when(call.at)}</td>
              <td>{call.modelId}</td>
              <td>{call.role}</td>
              <td>
                <StatusBadge status={call.status} />
                {call.cacheHit && (
                  <span class="badge" title={`from the response cache: saved ${usd(call.savedUsd)}`}>
                    cached
                  </span>
                )}
              </td>
              <td class="num">{call.attempts}</td>
              <td class="num">{ms(call.latencyMs)}</td>
              <td class="num">{ms(call.timeToFirstTokenMs)}</td>
              <td class="num">{count(call.inputTokens + call.outputTokens)}</td>
              <td class="num">{usd(call.costUsd)}</td>
            </tr>,
            open === call.id && (
              <tr key={`${call.id}-detail`}>
                <td colSpan={9}>
                  <Detail call={call} />
                </td>
              </tr>
            ),
          ])}
        </DataTable>
      )}
      {next !== null && (
        <button type="button" class="ghost" disabled={more.busy} onClick={() => void more.run()}>
          Older calls
        </button>
      )}
    </Section>
  );
}
