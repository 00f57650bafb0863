import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { count, percent } from '../format.js';
import type { CurrentKey, Model, Provider } from '../types.js';
import { DataTable, ErrorNote, num, NumberInput, Section, submitted, useAction, useLoad } from '../ui.js';
import { ModelTest } from './model-test.js';

const perMTok = (value: number | null | undefined) => (value === null || value === undefined ? '–' : `$${value}`);

/** An admin's price form for one model: input and output USD per million tokens. */
function PriceForm({ model, saved }: { model: Model; saved: () => void }) {
  const [input, setInput] = useState(model.pricing ? String(model.pricing.inputPerMTok) : '');
  const [output, setOutput] = useState(model.pricing ? String(model.pricing.outputPerMTok) : '');
  const save = useAction(async () => {
    await api.patch(`/api/models/${encodeURIComponent(model.id)}`, {
      pricing: { inputPerMTok: Number(input), outputPerMTok: Number(output) },
    });
    saved();
  });
  return (
    <form class="row tight" onSubmit={submitted(save.run)}>
      <NumberInput label="Input USD per million tokens" name="inputPerMTok" value={input} set={setInput} required />
      <NumberInput label="Output USD per million tokens" name="outputPerMTok" value={output} set={setOutput} required />
      <button type="submit" class="ghost" disabled={save.busy}>
        Set price
      </button>
      <ErrorNote error={save.error} />
    </form>
  );
}

export function Models({ me }: { me: CurrentKey }) {
  const models = useLoad(() => api.get<Model[]>('/api/models'), []);
  const providers = useLoad(() => api.get<Provider[]>('/api/providers'), []);
  const [pricing, setPricing] = useState<string | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const admin = me.role === 'admin';
  const toggle = useAction(async (model: Model) => {
    await api.patch(`/api/models/${encodeURIComponent(model.id)}`, { enabled: !model.enabled });
    models.reload();
  });

  return (
    <div class="stack">
      <Section title="Providers">
        <ErrorNote error={providers.error} />
        <DataTable
          data-table="providers"
          columns={[
            'Provider',
            'Protocol',
            'Configured',
            'Base URL',
            num('Recent calls'),
            num('Error rate'),
            'Cooling down',
          ]}
        >
          {(providers.data ?? []).map((p) => (
            <tr key={p.id} data-provider={p.id}>
              <td>{p.name}</td>
              <td>{p.protocol}</td>
              <td>{p.configured ? 'yes' : <span class="warn">no key</span>}</td>
              <td class="mono">{p.baseUrl}</td>
              <td class="num">{count(p.recentCalls)}</td>
              <td class="num">{percent(p.recentErrorRate)}</td>
              <td>
                {p.cooldowns.length === 0
                  ? '–'
                  : p.cooldowns.map((c) => `${c.model} (${c.state.replace('_', ' ')})`).join(', ')}
              </td>
            </tr>
          ))}
        </DataTable>
      </Section>
      <Section title={`Models (${models.data?.length ?? 0})`}>
        <p class="muted">
          Prices in USD per million tokens.{' '}
          {admin ? 'As an admin you can disable a model, set its price, or test it with a prompt of your own.' : ''}
        </p>
        <ErrorNote error={models.error ?? toggle.error} />
        <DataTable
          data-table="models"
          columns={[
            'Model',
            'Kind',
            'Available',
            'Cooldown',
            num('Input'),
            num('Output'),
            num('Context'),
            ...(admin ? ['Admin'] : []),
          ]}
        >
          {(models.data ?? []).map((m) => (
            <tr key={m.id} data-model={m.id} data-enabled={String(m.enabled)}>
              <td>
                <strong>{m.id}</strong>
                <div class="muted">{m.name}</div>
              </td>
              <td>{m.kind}</td>
              <td>{m.available ? 'yes' : <span class="warn">{m.unavailableReason ?? 'no'}</span>}</td>
              <td>{m.cooldown === 'closed' ? '–' : <span class="warn">{m.cooldown.replace('_', ' ')}</span>}</td>
              {m.pricing === null ? (
                <td class="num" colSpan={2} title={m.pricingNote ?? ''}>
                  <span class="warn">unknown price</span>
                </td>
              ) : (
                <>
                  <td class="num">{perMTok(m.pricing.inputPerMTok)}</td>
                  <td class="num">{perMTok(m.pricing.outputPerMTok)}</td>
                </>
              )}
              <td class="num">{m.contextWindow === null ? '–' : count(m.contextWindow)}</td>
              {admin && (
                <td>
                  <div class="row tight">
                    <button type="button" class="ghost" disabled={toggle.busy} onClick={() => void toggle.run(m)}>
                      {m.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" class="ghost" onClick={() => setPricing(pricing === m.id ? null : m.id)}>
                      Price…
                    </button>
                    {m.kind === 'chat' && (
                      <button type="button" class="ghost" onClick={() => setTesting(testing === m.id ? null : m.id)}>
                        Test…
                      </button>
                    )}
                  </div>
                  {testing === m.id && <ModelTest modelId={m.id} />}
                  {pricing === m.id && (
                    <PriceForm
                      model={m}
                      saved={() => {
                        setPricing(null);
                        models.reload();
                      }}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </DataTable>
      </Section>
    </div>
  );
}
