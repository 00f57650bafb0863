import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate } from '../router.js';
import type { Model, Page, Session, StrategyList, StrategyOption } from '../types.js';
import { ErrorNote, Section, submitted, useAction, useLoad } from '../ui.js';

type Values = Record<string, string | boolean | string[]>;

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
        {option.name}
        <small class="muted">{option.description}</small>
      </label>
    );
  }
  if (option.type === 'string[]') {
    const chosen = Array.isArray(value) ? value : [];
    return (
      <label title={hint}>
        {option.name} <small class="muted">{hint}; none chosen: the server picks</small>
        <select
          name={option.name}
          multiple
          size={Math.min(8, models.length)}
          onChange={(e) => set([...e.currentTarget.selectedOptions].map((o) => o.value))}
        >
          {models.map((m) => (
            <option key={m.id} value={m.id} selected={chosen.includes(m.id)}>
              {m.id}
              {m.available ? '' : ` (unavailable: ${m.unavailableReason ?? 'unknown'})`}
            </option>
          ))}
        </select>
      </label>
    );
  }
  const numeric = option.type === 'integer' || option.type === 'number';
  const placeholder = option.default === null ? 'default' : String(option.default);
  const typed = (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  const current = typeof value === 'string' ? value : '';
  return (
    <label title={hint}>
      {option.name} <small class="muted">{hint}</small>
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
    if (sessionId === '' && sessions.data && sessions.data.items.length > 0) setSessionId(sessions.data.items[0].id);
  }, [sessions.data]);

  const createSession = useAction(async () => {
    const session = await api.post<Session>('/api/sessions', { title: title.trim() });
    setTitle('');
    sessions.reload();
    setSessionId(session.id);
  });
  const chosen = strategies.data?.data.find((s) => s.name === strategy);
  const options = [...(chosen?.options ?? []), ...(strategies.data?.commonOptions ?? [])];
  const start = useAction(async () => {
    const created = await api.post<{ runId: string }>('/api/orchestrate', {
      sessionId,
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
        <fieldset>
          <legend>Session</legend>
          <div class="row">
            <select
              name="sessionId"
              aria-label="Session"
              value={sessionId}
              onChange={(e) => setSessionId(e.currentTarget.value)}
            >
              {(sessions.data?.items ?? []).length === 0 && <option value="">no active session: make one</option>}
              {(sessions.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.title} · {s.id}
                </option>
              ))}
            </select>
            <input
              name="sessionTitle"
              aria-label="New session title"
              placeholder="new session title"
              value={title}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
            <button
              type="button"
              class="ghost"
              disabled={createSession.busy || title.trim() === ''}
              onClick={() => void createSession.run()}
            >
              New session
            </button>
          </div>
          <ErrorNote error={createSession.error} />
        </fieldset>
        <label>
          Prompt
          <textarea name="prompt" rows={5} required value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
        </label>
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
          <legend>Options</legend>
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
