export const usd = (value: number | null | undefined, unknown = 0): string => {
  if (value === null || value === undefined) return 'unknown';
  const text = value === 0 ? '$0' : value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(value < 1 ? 4 : 2)}`;
  return unknown > 0 ? `${text} + ${unknown} unpriced` : text;
};

export const ms = (value: number | null | undefined): string => {
  if (value === null || value === undefined) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
};

export const score = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : value.toFixed(2);

export const percent = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`;

export const count = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : value.toLocaleString('en');

export const when = (iso: string | null | undefined): string => {
  if (!iso) return '–';
  const date = new Date(iso);
  return `${date.toLocaleDateString('en-CA')} ${date.toLocaleTimeString('en-GB')}`;
};

export const duration = (from: string, to: string | null, now = Date.now()): string =>
  ms((to === null ? now : Date.parse(to)) - Date.parse(from));

/** A UTC day (YYYY-MM-DD) `days` before today. */
export const dayBefore = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
