import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { when } from '../format.js';
import type { AuditEntry, Page } from '../types.js';
import { DataTable, ErrorNote, Section, useAction, useInterval, useLoad } from '../ui.js';

const ACTIONS = ['', 'key.created', 'key.updated', 'key.revoked', 'model.updated'];
const PAGE = 50;

/** What an action changed: each field whose value differs, before → after. */
export function changesOf(entry: AuditEntry): string[] {
  const before = entry.before ?? {};
  const after = entry.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const shown = (value: unknown) => (value === undefined ? '–' : JSON.stringify(value));
  return fields
    .filter((field) => shown(before[field]) !== shown(after[field]))
    .map((field) => `${field}: ${shown(before[field])} → ${shown(after[field])}`);
}

/** Admin actions on keys and models, newest first. */
export function Audit() {
  const [action, setAction] = useState('');
  const [older, setOlder] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const first = useLoad(() => api.get<Page<AuditEntry>>('/api/audit', { limit: PAGE, action }), [action]);
  useInterval(first.reload, 5000);
  const entries = [...(first.data?.items ?? []), ...older.filter((o) => !first.data?.items.some((e) => e.id === o.id))];
  const next = cursor === undefined ? (first.data?.nextCursor ?? null) : cursor;
  const more = useAction(async () => {
    if (next === null) return;
    const page = await api.get<Page<AuditEntry>>('/api/audit', { limit: PAGE, action, cursor: next });
    setOlder((o) => [...o, ...page.items]);
    setCursor(page.nextCursor);
  });

  return (
    <Section
      title="Audit"
      actions={
        <select
          aria-label="Action"
          value={action}
          onChange={(e) => {
            setAction(e.currentTarget.value);
            setOlder([]);
            setCursor(undefined);
          }}
        >
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a === '' ? 'any action' : a}
            </option>
          ))}
        </select>
      }
    >
      <ErrorNote error={first.error ?? more.error} />
      {first.data !== null && entries.length === 0 && <p class="muted">No admin action yet.</p>}
      {entries.length > 0 && (
        <DataTable class="audit" columns={['When', 'Action', 'Target', 'By key', 'Changes']}>
          {entries.map((entry) => (
            <tr key={entry.id} data-audit-id={entry.id} data-action={entry.action}>
              <td>{when(entry.at)}</td>
              <td>{entry.action}</td>
              <td>
                {entry.targetType} {entry.targetId}
              </td>
              <td>{entry.actorKeyId}</td>
              <td>
                <ul class="changes">
                  {changesOf(entry).map((change) => (
                    <li key={change}>{change}</li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {next !== null && (
        <button type="button" class="ghost" disabled={more.busy} onClick={() => void more.run()}>
          Older actions
        </button>
      )}
    </Section>
  );
}
