import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { dayBefore, usd, when } from '../format.js';
import type { ApiKey, CostReport, CurrentKey, Page } from '../types.js';
import { DataTable, ErrorNote, NumberInput, Section, submitted, useAction, useLoad } from '../ui.js';
import { KeyEditor } from './key-editor.js';

const limitText = (key: ApiKey) => {
  const l = key.limits;
  const parts = [
    l.models && `models ${l.models.join(', ')}`,
    l.usdPerDay !== null && `$${l.usdPerDay}/day`,
    l.usdPerMonth !== null && `$${l.usdPerMonth}/month`,
    l.usdTotal !== null && `$${l.usdTotal} total`,
    l.rpm !== null && `${l.rpm} rpm`,
    l.tpm !== null && `${l.tpm} tpm`,
    l.cache && `cached ${l.cache.maxAgeSeconds} s${l.cache.shared ? ', shared' : ''}`,
  ].filter(Boolean);
  return parts.length === 0 ? 'none' : parts.join(' · ');
};

/** Admin: create keys (shown once), list them, revoke them. */
export function Keys({ me }: { me: CurrentKey }) {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const keys = useLoad(() => api.get<Page<ApiKey>>('/api/keys', { limit: 50, cursor }), [cursor]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<'user' | 'admin'>('user');
  const [usdPerDay, setUsdPerDay] = useState('');
  const [rpm, setRpm] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  // Spend per key over the last 30 days, from the analytics rollups (one request for the page).
  const costs = useLoad(() => api.get<CostReport>('/api/analytics/costs', { from: dayBefore(29) }), []);
  const spendOf = (id: string) => costs.data?.byKey.find((line) => line.key === id);

  const create = useAction(async () => {
    const limits: Record<string, number> = {};
    if (usdPerDay !== '') limits.usdPerDay = Number(usdPerDay);
    if (rpm !== '') limits.rpm = Number(rpm);
    const key = await api.post<ApiKey & { key: string }>('/api/keys', {
      name: name.trim(),
      role,
      ...(Object.keys(limits).length > 0 && { limits }),
    });
    setCreated({ name: key.name, key: key.key });
    setName('');
    keys.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api.delete(`/api/keys/${id}`);
    setConfirming(null);
    keys.reload();
  });

  return (
    <div class="stack">
      <Section title="New key">
        <form class="row" onSubmit={submitted(create.run)}>
          <input
            name="keyName"
            aria-label="Key name"
            placeholder="name"
            required
            maxLength={100}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <select
            name="role"
            aria-label="Role"
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as 'user' | 'admin')}
          >
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
          <NumberInput
            label="USD per day"
            name="usdPerDay"
            placeholder="USD per day (none)"
            value={usdPerDay}
            set={setUsdPerDay}
          />
          <NumberInput
            label="Requests per minute"
            name="rpm"
            min={1}
            step={1}
            placeholder="requests per minute (none)"
            value={rpm}
            set={setRpm}
          />
          <button type="submit" disabled={create.busy || name.trim() === ''}>
            Create key
          </button>
        </form>
        <ErrorNote error={create.error} />
        {created && (
          <div class="secret" role="status">
            <p>
              Key <strong>{created.name}</strong> made. It is shown this once: copy it now.
            </p>
            <code data-testid="new-key">{created.key}</code>
            <div class="row">
              <button type="button" class="ghost" onClick={() => void navigator.clipboard?.writeText(created.key)}>
                Copy
              </button>
              <button type="button" class="ghost" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Section>
      <Section title="Keys">
        <ErrorNote error={keys.error ?? revoke.error} />
        <DataTable
          data-table="keys"
          columns={['Name', 'Role', 'Prefix', 'Spend (30 days)', 'Limits', 'Created', 'Last used', 'State', '']}
        >
          {(keys.data?.items ?? []).flatMap((key) => [
            <tr key={key.id} data-key-id={key.id} data-revoked={String(key.revokedAt !== null)}>
              <td>{key.name}</td>
              <td>{key.role}</td>
              <td class="mono">{key.prefix}…</td>
              <td class="num" data-testid="key-spend-30d">
                {usd(spendOf(key.id)?.costUsd ?? 0, spendOf(key.id)?.unknownCostCalls ?? 0)}
              </td>
              <td>
                {limitText(key)}{' '}
                {key.revokedAt === null && (
                  <button
                    type="button"
                    class="ghost"
                    aria-expanded={editing === key.id}
                    onClick={() => setEditing(editing === key.id ? null : key.id)}
                  >
                    {editing === key.id ? 'Close' : 'Spend and limits'}
                  </button>
                )}
              </td>
              <td>{when(key.createdAt)}</td>
              <td>{when(key.lastUsedAt)}</td>
              <td>{key.revokedAt === null ? 'active' : <span class="warn">revoked {when(key.revokedAt)}</span>}</td>
              <td>
                {key.revokedAt === null &&
                  key.id !== me.id &&
                  (confirming === key.id ? (
                    <div class="row tight">
                      <button
                        type="button"
                        class="danger"
                        disabled={revoke.busy}
                        onClick={() => void revoke.run(key.id)}
                      >
                        Confirm revoke
                      </button>
                      <button type="button" class="ghost" onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                    </div>
                  ) : (
                    <button type="button" class="ghost" onClick={() => setConfirming(key.id)}>
                      Revoke
                    </button>
                  ))}
              </td>
            </tr>,
            editing === key.id && (
              <tr key={`${key.id}-editor`} class="editor-row">
                <td colSpan={9}>
                  <KeyEditor id={key.id} saved={keys.reload} />
                </td>
              </tr>
            ),
          ])}
        </DataTable>
        <div class="row">
          {cursor !== undefined && (
            <button type="button" class="ghost" onClick={() => setCursor(undefined)}>
              Newest
            </button>
          )}
          {keys.data?.nextCursor && (
            <button type="button" class="ghost" onClick={() => setCursor(keys.data!.nextCursor ?? undefined)}>
              Older keys
            </button>
          )}
        </div>
      </Section>
    </div>
  );
}
