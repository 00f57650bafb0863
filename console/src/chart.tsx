import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  format?: (value: number | null) => string;
}

interface ChartProps {
  title: string;
  /** The x labels (days, models, iterations), one per value of each series. */
  labels: string[];
  series: Series[];
  kind?: 'bars' | 'line';
  height?: number;
  /** What the labels are (the legend's first entry). */
  xLabel: string;
}

const COLORS = { grid: 'rgba(128,128,128,0.2)', axis: 'currentColor' };

/**
 * A uPlot chart with its figures as a table beneath (folded): readable without the canvas, by
 * screen readers and by tests alike.
 */
export function Chart({ title, labels, series, xLabel, kind = 'line', height = 220 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null || labels.length === 0) return;
    const xs = labels.map((_, i) => i);
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height,
        // The legend names the series; the figures at the cursor go to its tooltip row only while
        // hovering (a legend of "–" for every series until then says nothing).
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
        axes: [
          {
            stroke: COLORS.axis,
            grid: { stroke: COLORS.grid },
            values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? (labels[t] ?? '') : '')),
            splits: () => xs,
          },
          { stroke: COLORS.axis, grid: { stroke: COLORS.grid }, size: 60 },
        ],
        series: [
          { label: xLabel, value: (_u, v) => (v === null ? '–' : (labels[v] ?? '')) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color,
            fill: kind === 'bars' ? s.color : undefined,
            width: kind === 'bars' ? 0 : 2,
            // Bars of several series overlap, each narrower than the one before (p95 behind p50).
            // At most 40 px wide: a range of one day is one slim bar, not the chart's whole width.
            paths: kind === 'bars' ? uPlot.paths.bars!({ size: [0.6 / (i + 1), 40], gap: 1 }) : undefined,
            points: { show: kind === 'line' },
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : s.format ? s.format(v) : String(v)),
          })),
        ],
      },
      [xs, ...series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    // The canvas follows its box's width (a window resize, a phone turned, a grid reflowing).
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [labels.join('\u0000'), JSON.stringify(series.map((s) => s.values)), kind, height]);

  return (
    <figure class="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      {labels.length === 0 ? <p class="muted">Nothing in this range yet.</p> : <div ref={box} class="chart-canvas" />}
      {labels.length > 0 && (
        <details>
          <summary>Figures</summary>
          <table class="chart-data" data-chart={title}>
            <thead>
              <tr>
                <th />
                {series.map((s) => (
                  <th key={s.label}>{s.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, i) => (
                <tr key={label} data-label={label}>
                  <th>{label}</th>
                  {series.map((s) => (
                    <td key={s.label}>{s.format ? s.format(s.values[i]) : String(s.values[i] ?? '–')}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}
