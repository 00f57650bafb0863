import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { count, usd } from '../format.js';
import type { ApiKey, KeyLimits, KeySpend } from '../types.js';
import { ErrorNote, NumberInput, submitted, useAction, useLoad } from '../ui.js';

type KeyDetail = ApiKey & { spend: KeySpend };

const NUMBERS = [
  { name: 'usdPerDay', label: 'USD per day', integer: false },
  { name: 'usdPerMonth', label: 'USD per month', integer: false },
  { name: 'usdTotal', label: 'USD in total', integer: false },
  { name: 'rpm', label: 'Requests per minute', integer: true },
  { name: 'tpm', label: 'Tokens per minute', integer: true },
] as const;
type NumberLimit = (typeof NUMBERS)[number]['name'];

const text = (value: number | null) => (value === null ? '' : String(value));

/**
 * Admin: one key's spend as its limits count it, and its limits, changed in place (PATCH: every
 * field sent, an empty one removing its limit). The server holds the next request to what is saved.
 */
export function KeyEditor({ id, saved }: { id: string; saved: () => void }) {
  const detail = useLoad(() => api.get<KeyDetail>(`/api/keys/${id}`), [id]);
  if (detail.data === null) return <ErrorNote error={detail.error} />;
  return <LimitsForm key={id} detail={detail.data} saved={() => (detail.reload(), saved())} />;
}

function LimitsForm({ detail, saved }: { detail: KeyDetail; saved: () => void }) {
  const [numbers, setNumbers] = useState<Record<NumberLimit, string>>(
    () => Object.fromEntries(NUMBERS.map((n) => [n.name, text(detail.limits[n.name])])) as Record<NumberLimit, string>,
  );
  const [models, setModels] = useState((detail.limits.models ?? []).join(', '));
  const [done, setDone] = useState(false);
  const save = useAction(async () => {
    const limits: Partial<KeyLimits> = {
      models: models.trim() === '' ? null : models.split(/[\s,]+/).filter(Boolean),
    };
    for (const n of NUMBERS) limits[n.name] = numbers[n.name] === '' ? null : Number(numbers[n.name]);
    await api.patch(`/api/keys/${detail.id}`, { limits });
    setDone(true);
    saved();
  });
  const spend = detail.spend;
  return (
    <div class="key-editor stack" data-key-editor={detail.id}>
      <dl class="facts-grid" data-testid="key-spend">
        <div>
          <dt>Spent today</dt>
          <dd>{usd(spend.usdToday)}</dd>
        </div>
        <div>
          <dt>This month</dt>
          <dd>{usd(spend.usdThisMonth)}</dd>
        </div>
        <div>
          <dt>In total</dt>
          <dd>{usd(spend.usdTotal)}</dd>
        </div>
        <div>
          <dt>Held by calls in flight</dt>
          <dd>{usd(spend.usdHeld)}</dd>
        </div>
        <div>
          <dt>Tokens, last minute</dt>
          <dd>{count(spend.tokensLastMinute)}</dd>
        </div>
      </dl>
      <form class="form" onSubmit={submitted(save.run)}>
        <label>
          Models it may use{' '}
          <small class="muted">ids or patterns such as openai/*, separated by commas; empty: every model</small>
          <input
            name="limitModels"
            value={models}
            onInput={(e) => (setModels(e.currentTarget.value), setDone(false))}
          />
        </label>
        <div class="row">
          {NUMBERS.map((n) => (
            <label key={n.name}>
              {n.label}
              <NumberInput
                label={n.label}
                name={`limit-${n.name}`}
                min={n.integer ? 1 : 0}
                step={n.integer ? 1 : 'any'}
                placeholder="no limit"
                value={numbers[n.name]}
                set={(value) => (setNumbers((all) => ({ ...all, [n.name]: value })), setDone(false))}
              />
            </label>
          ))}
        </div>
        <ErrorNote error={save.error} />
        <div class="row">
          <button type="submit" disabled={save.busy}>
            Save limits
          </button>
          {done && (
            <span class="ok" role="status">
              Saved: the key's next request is held to these limits.
            </span>
          )}
        </div>
      </form>
    </div>
  );
}
