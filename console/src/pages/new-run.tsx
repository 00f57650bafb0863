import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate } from '../router.js';
import type { Model, Page, Session, StrategyList, StrategyOption } from '../types.js';
import { ErrorNote, Section, submitted, useAction, useLoad } from '../ui.js';

type Values = Record<string, string | boolean | string[]>;

/** An option's name as a label: `maxIterations` → "Max iterations", `costLimitUsd` → "Cost limit (USD)". */
export const labelOf = (name: string): string => {
  const words = name
    .replace(/Usd$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  return name.endsWith('Usd') ? `${label} (USD)` : name === 'selfMoa' ? 'Self-MoA (samples of the best model)' : label;
};

/** Models to tick, narrowed by what is typed: a catalogue of dozens stays usable. */
function ModelPicker({
  name,
  chosen,
  set,
  models,
}: {
  name: string;
  chosen: string[];
  set: (v: string[]) => void;
  models: Model[];
}) {
  const [filter, setFilter] = useState('');
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = models.filter(
    (m) => chosen.includes(m.id) || words.every((w) => `${m.id} ${m.name}`.toLowerCase().includes(w)),
  );
  return (
    <div class="model-picker" data-option={name}>
      <input
        type="search"
        name={`${name}-filter`}
        aria-label="Find a model"
        placeholder={`find among ${models.length} models`}
        value={filter}
        onInput={(e) => setFilter(e.currentTarget.value)}
      />
      <div class="model-list">
        {shown.map((m) => (
          <label key={m.id} class="check">
            <input
              type="checkbox"
              name={name}
              value={m.id}
              checked={chosen.includes(m.id)}
              disabled={!m.available && !chosen.includes(m.id)}
              onChange={(e) => set(e.currentTarget.checked ? [...chosen, m.id] : chosen.filter((id) => id !== m.id))}
            />
            {m.id}
            {!m.available && <small class="muted"> unavailable: {m.unavailableReason ?? 'unknown'}</small>}
          </label>
        ))}
        {shown.length === 0 && <p class="muted">No model matches.</p>}
      </div>
      <small class="muted">
        {chosen.length === 0 ? 'None ticked: the server picks the team.' : `${chosen.length} ticked.`}
      </small>
    </div>
  );
}

/** One option's field, from what GET /api/orchestrate/strategies says of it. */
function OptionField({
  option,
  value,
  set,
  models,
}: {
  option: StrategyOption;
  value: Values[string] | undefined;
  set: (v: Values[string]) => void;
  models: Model[];
}) {
  const limits = [
    option.minimum !== null && `min ${option.minimum}`,
    option.maximum !== null && `max ${option.maximum}`,
  ]
    .filter(Boolean)
    .join(', ');
  const hint = `${option.description}${limits ? ` (${limits})` : ''}`;
  if (option.type === 'boolean') {
    const checked = typeof value === 'boolean' ? value : option.default === true;
    return (
      <label class="check" title={hint}>
        <input type="checkbox" name={option.name} checked={checked} onChange={(e) => set(e.currentTarget.checked)} />
        {labelOf(option.name)}
        <small class="muted">{option.description}</small>
      </label>
    );
  }
  if (option.type === 'string[]') {
    return (
      <fieldset class="option-models" title={hint}>
        <legend>
          {labelOf(option.name)} <small class="muted">{hint}</small>
        </legend>
        <ModelPicker name={option.name} chosen={Array.isArray(value) ? value : []} set={set} models={models} />
      </fieldset>
    );
  }
  const numeric = option.type === 'integer' || option.type === 'number';
  const placeholder = option.default === null ? 'default' : String(option.default);
  const typed = (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  const current = typeof value === 'string' ? value : '';
  return (
    <label title={hint}>
      {labelOf(option.name)} <small class="muted">{hint}</small>
      {numeric ? (
        <input
          name={option.name}
          type="number"
          step={option.type === 'integer' ? 1 : 'any'}
          min={option.minimum ?? undefined}
          max={option.maximum ?? undefined}
          placeholder={placeholder}
          value={current}
          onInput={typed}
        />
      ) : (
        <input name={option.name} type="text" placeholder={placeholder} value={current} onInput={typed} />
      )}
    </label>
  );
}

/** What the form sends: only the options given, numbers as numbers. */
function optionsBody(options: StrategyOption[], values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const option of options) {
    const value = values[option.name];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    if (option.type === 'boolean') {
      if (value !== option.default) body[option.name] = value;
    } else if (option.type === 'integer' || option.type === 'number') body[option.name] = Number(value);
    else body[option.name] = value;
  }
  return body;
}

const NEW_SESSION = 'new';

/** A session's title from a prompt: its first line, cut at a word. */
const titleFrom = (prompt: string) => {
  const line = prompt.trim().split('\n')[0];
  return line.length <= 60 ? line : `${line.slice(0, 60).replace(/\s+\S*$/, '')}…`;
};

export function NewRun() {
  const sessions = useLoad(() => api.get<Page<Session>>('/api/sessions', { limit: 100, status: 'active' }), []);
  const strategies = useLoad(() => api.get<StrategyList>('/api/orchestrate/strategies'), []);
  const models = useLoad(() => api.get<Model[]>('/api/models', { kind: 'chat' }), []);
  const [sessionId, setSessionId] = useState('');
  const [title, setTitle] = useState('');
  const [prompt, setPrompt] = useState('');
  const [strategy, setStrategy] = useState('improve');
  const [values, setValues] = useState<Values>({});

  useEffect(() => {
    if (sessionId === '' && sessions.data) setSessionId(sessions.data.items[0]?.id ?? NEW_SESSION);
  }, [sessions.data]);

  const chosen = strategies.data?.data.find((s) => s.name === strategy);
  // Only what this strategy reads: its own options and the common ones it names.
  const options = [
    ...(chosen?.options ?? []),
    ...(strategies.data?.commonOptions ?? []).filter((o) => chosen?.commonOptions.includes(o.name)),
  ];
  const start = useAction(async () => {
    const session =
      sessionId === NEW_SESSION
        ? (await api.post<Session>('/api/sessions', { title: title.trim() || titleFrom(prompt) })).id
        : sessionId;
    const created = await api.post<{ runId: string }>('/api/orchestrate', {
      sessionId: session,
      prompt,
      strategy,
      ...optionsBody(options, values),
    });
    navigate(`/runs/${created.runId}`);
  });

  return (
    <Section title="New run">
      <ErrorNote error={sessions.error ?? strategies.error ?? models.error} />
      <form class="form" onSubmit={submitted(start.run)}>
        <label>
          Prompt
          <textarea name="prompt" rows={5} required value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
        </label>
        <div class="row">
          <label>
            Session
            <select name="sessionId" value={sessionId} onChange={(e) => setSessionId(e.currentTarget.value)}>
              <option value={NEW_SESSION}>A new session</option>
              {(sessions.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.title}
                </option>
              ))}
            </select>
          </label>
          {sessionId === NEW_SESSION && (
            <label>
              Its title
              <input
                name="sessionTitle"
                placeholder={prompt.trim() === '' ? 'the prompt, by default' : titleFrom(prompt)}
                maxLength={200}
                value={title}
                onInput={(e) => setTitle(e.currentTarget.value)}
              />
            </label>
          )}
        </div>
        <label>
          Strategy
          <select
            name="strategy"
            value={strategy}
            onChange={(e) => {
              setStrategy(e.currentTarget.value);
              setValues({});
            }}
          >
            {(strategies.data?.data ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        {chosen && <p class="muted">{chosen.summary}</p>}
        <fieldset>
          <legend>Options of {strategy} (left empty: the session's setting or the default)</legend>
          <div class="options">
            {options.map((option) => (
              <OptionField
                key={`${strategy}.${option.name}`}
                option={option}
                value={values[option.name]}
                set={(v) => setValues((all) => ({ ...all, [option.name]: v }))}
                models={models.data ?? []}
              />
            ))}
          </div>
        </fieldset>
        <ErrorNote error={start.error} />
        <button type="submit" disabled={start.busy || sessionId === '' || prompt.trim() === ''}>
          {start.busy ? 'Starting…' : 'Start run'}
        </button>
      </form>
    </Section>
  );
}
