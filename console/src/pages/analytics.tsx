import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Chart } from '../chart.js';
import { count, dayBefore, ms, percent, score, usd } from '../format.js';
import type {
  CostReport,
  CurrentKey,
  Leaderboard,
  StrategyList,
  StrategyReport,
  UsageGroup,
  UsageReport,
} from '../types.js';
import { DataTable, ErrorNote, num, Section, useLoad } from '../ui.js';

const DOMAINS = ['', 'coding', 'math', 'creative', 'analysis', 'reasoning', 'translation', 'factual', 'general'];

function UsageTable({ groups, label }: { groups: UsageGroup[]; label: string }) {
  if (groups.length === 0) return <p class="muted">No calls in this range.</p>;
  return (
    <DataTable
      data-table={label}
      columns={[label, num('Calls'), num('Failures'), num('Error rate'), num('Cost'), num('p50'), num('p95')]}
    >
      {groups.map((g) => (
        <tr key={g.key} data-key={g.key}>
          <td>{g.key}</td>
          <td class="num">{count(g.calls)}</td>
          <td class="num">{count(g.failures)}</td>
          <td class="num">{percent(g.errorRate)}</td>
          <td class="num">{usd(g.costUsd, g.unknownCostCalls)}</td>
          <td class="num">{ms(g.latencyMs.p50)}</td>
          <td class="num">{ms(g.latencyMs.p95)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function Analytics({ me }: { me: CurrentKey }) {
  const [from, setFrom] = useState(dayBefore(29));
  const [to, setTo] = useState(dayBefore(0));
  const [domain, setDomain] = useState('');
  const range = { from, to };
  const byDay = useLoad(() => api.get<UsageReport>('/api/analytics/usage', { ...range, groupBy: 'day' }), [from, to]);
  const byProvider = useLoad(
    () => api.get<UsageReport>('/api/analytics/usage', { ...range, groupBy: 'provider' }),
    [from, to],
  );
  const byModel = useLoad(
    () => api.get<UsageReport>('/api/analytics/usage', { ...range, groupBy: 'model' }),
    [from, to],
  );
  const leaderboard = useLoad(
    () => api.get<Leaderboard>('/api/analytics/models', { ...range, domain }),
    [from, to, domain],
  );
  const strategies = useLoad(
    () => api.get<{ strategies: StrategyReport[] }>('/api/analytics/orchestration', range),
    [from, to],
  );
  const catalogue = useLoad(() => api.get<StrategyList>('/api/orchestrate/strategies'), []);
  // Only the strategies that loop to a threshold can meet one.
  const loops = (strategy: string) =>
    catalogue.data?.data.find((s) => s.name === strategy)?.commonOptions.includes('qualityThreshold') ?? true;
  const days = byDay.data?.groups ?? [];
  const models = byModel.data?.groups ?? [];
  const costs = useLoad(() => api.get<CostReport>('/api/analytics/costs', range), [from, to]);
  const error = byDay.error ?? byProvider.error ?? byModel.error ?? leaderboard.error ?? strategies.error;

  return (
    <div class="stack">
      <Section
        title="Analytics"
        actions={
          <div class="row">
            <label class="inline">
              from{' '}
              <input type="date" name="from" value={from} max={to} onChange={(e) => setFrom(e.currentTarget.value)} />
            </label>
            <label class="inline">
              to <input type="date" name="to" value={to} min={from} onChange={(e) => setTo(e.currentTarget.value)} />
            </label>
          </div>
        }
      >
        <p class="muted">
          UTC days, both included. {me.role === 'admin' ? 'An admin key sees every owner.' : 'Your own usage.'}
        </p>
        {costs.data && (
          <p data-testid="cost-summary">
            Spent {usd(costs.data.totalUsd)}; the response cache answered {count(costs.data.cacheHits)} call
            {costs.data.cacheHits === 1 ? '' : 's'} and saved {usd(costs.data.savedUsd)}.
          </p>
        )}
        <ErrorNote error={error} />
        <div class="grid2">
          <Chart
            title="Cost per day (USD)"
            xLabel="day"
            kind="bars"
            labels={days.map((d) => d.key)}
            series={[{ label: 'cost', values: days.map((d) => d.costUsd), color: '#6366f1', format: (v) => usd(v) }]}
          />
          <Chart
            title="Calls per day"
            xLabel="day"
            kind="bars"
            labels={days.map((d) => d.key)}
            series={[
              { label: 'calls', values: days.map((d) => d.calls), color: '#0ea5e9', format: count },
              { label: 'failures', values: days.map((d) => d.failures), color: '#ef4444', format: count },
            ]}
          />
        </div>
        <Chart
          title="Latency per model (ms)"
          xLabel="model"
          kind="bars"
          labels={models.map((m) => m.key)}
          series={[
            { label: 'p95', values: models.map((m) => m.latencyMs.p95), color: '#f59e0b', format: ms },
            { label: 'p50', values: models.map((m) => m.latencyMs.p50), color: '#10b981', format: ms },
          ]}
        />
      </Section>

      <Section title="Calls and errors by provider">
        <UsageTable groups={byProvider.data?.groups ?? []} label="provider" />
      </Section>
      <Section title="Calls and errors by model">
        <UsageTable groups={models} label="model" />
      </Section>

      <Section
        title="Model leaderboard"
        actions={
          <select aria-label="Domain" name="domain" value={domain} onChange={(e) => setDomain(e.currentTarget.value)}>
            {DOMAINS.map((d) => (
              <option key={d} value={d}>
                {d === '' ? 'every domain' : d}
              </option>
            ))}
          </select>
        }
      >
        {(leaderboard.data?.models ?? []).length > 0 &&
          leaderboard.data!.models.every((row) => row.scoredAnswers === 0) && (
            <p class="muted" data-testid="no-scores">
              No mean score yet: no answer in this range was scored by a model. Evaluations the upstream simulator makes
              (the demo's) are a hash, not a judgement, so they are left out; route and compare without evaluate make
              none.
            </p>
          )}
        {(leaderboard.data?.models ?? []).length === 0 ? (
          <p class="muted">No model calls in this range{domain ? ` for ${domain}` : ''}.</p>
        ) : (
          <DataTable
            data-table="leaderboard"
            columns={[
              '#',
              'Model',
              num('Mean score'),
              num('Answers'),
              num('Final answers'),
              num('Chosen first'),
              num('Improvement'),
              num('Success'),
              num('p50'),
              num('Cost'),
            ]}
          >
            {leaderboard.data!.models.map((row, i) => (
              <tr key={row.modelId} data-model={row.modelId}>
                <td>{i + 1}</td>
                <td>{row.modelId}</td>
                <td class="num">{score(row.meanScore)}</td>
                <td class="num">{count(row.answers)}</td>
                <td class="num">{count(row.finalAnswers)}</td>
                <td class="num">{count(row.chosenAsPrimary)}</td>
                <td class="num">{score(row.meanImprovement)}</td>
                <td class="num">{percent(row.successRate)}</td>
                <td class="num">{ms(row.p50LatencyMs)}</td>
                <td class="num">{usd(row.costUsd)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Section>

      <Section title="Runs by strategy">
        {(strategies.data?.strategies ?? []).length === 0 ? (
          <p class="muted">No runs in this range.</p>
        ) : (
          <DataTable
            data-table="strategies"
            columns={[
              'Strategy',
              num('Runs'),
              'Outcomes',
              num('Mean first score'),
              num('Mean final score'),
              num('Threshold met'),
              num('Mean cost'),
              num('Mean duration'),
            ]}
          >
            {strategies.data!.strategies.map((s) => (
              <tr key={s.strategy} data-strategy={s.strategy}>
                <td>{s.strategy}</td>
                <td class="num">{count(s.runs)}</td>
                <td>
                  {Object.entries(s.outcomes)
                    .filter(([, n]) => n > 0)
                    .map(([status, n]) => `${status} ${n}`)
                    .join(', ')}
                </td>
                <td class="num">{score(s.meanFirstScore)}</td>
                <td class="num">{score(s.meanFinalScore)}</td>
                <td class="num">
                  {loops(s.strategy) ? (
                    percent(s.thresholdMetRate)
                  ) : (
                    <span class="muted" title={`${s.strategy} has no quality threshold`}>
                      n/a
                    </span>
                  )}
                </td>
                <td class="num">{usd(s.meanCostUsd)}</td>
                <td class="num">{ms(s.meanLatencyMs)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Section>
    </div>
  );
}
