import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Loads what `load` returns whenever `deps` change; the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => call === latest.current && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        call === latest.current && setState((s) => ({ ...s, error: describeError(error), loading: false })),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Runs `action` from a button: busy while it runs, its error shown, `done` called with its result. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (...args: A): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action(...args);
    } catch (e) {
      setError(describeError(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

export const ErrorNote = ({ error }: { error: string | null }) =>
  error === null ? null : (
    <p class="error" role="alert">
      {error}
    </p>
  );

export const StatusBadge = ({ status }: { status: string | null }) => (
  <span class={`badge status-${status ?? 'unknown'}`} data-status={status ?? ''}>
    {(status ?? 'unknown').replace('_', ' ')}
  </span>
);

export const Section = ({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) => (
  <section class="card">
    <header class="card-head">
      <h2>{title}</h2>
      {actions}
    </header>
    {children}
  </section>
);

/** Repeats `tick` every `everyMs` while the tab is visible. */
export function useInterval(tick: () => void, everyMs: number, active = true): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') saved.current();
    }, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, active]);
}

interface NumberInputProps {
  label: string;
  name: string;
  value: string;
  set: (value: string) => void;
  min?: number;
  step?: number | 'any';
  placeholder?: string;
  required?: boolean;
}

/** A number field kept as the text typed (empty: not given). */
export const NumberInput = ({
  label,
  name,
  value,
  set,
  min = 0,
  step = 'any',
  placeholder,
  required,
}: NumberInputProps) => (
  <input
    aria-label={label}
    name={name}
    type="number"
    min={min}
    step={step}
    placeholder={placeholder}
    value={value}
    onInput={(e) => set(e.currentTarget.value)}
    required={required}
  />
);

/** A form's submit handler: no page load, `action` run (its errors are the action's to show). */
export const submitted = (action: () => unknown) => (event: Event) => {
  event.preventDefault();
  void action();
};

/** A column heading; numeric columns are right-aligned. */
export type Column = string | { label: string; num: true };
export const num = (label: string): Column => ({ label, num: true });

interface DataTableProps {
  columns: Column[];
  children: ComponentChildren;
  'data-table'?: string;
  class?: string;
}

/** A table that scrolls sideways inside its card on a narrow screen; `children` are its rows. */
export function DataTable({ columns, children, ...attributes }: DataTableProps) {
  return (
    <div class="scroll">
      <table {...attributes}>
        <thead>
          <tr>
            {columns.map((column, i) =>
              typeof column === 'string' ? (
                <th key={i}>{column}</th>
              ) : (
                <th key={i} class="num">
                  {column.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
