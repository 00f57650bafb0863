import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UsageRecorder } from './usage-recorder.js';

/**
 * One child metric per label set, kept: prom-client validates and hashes the label values on every
 * `observe`/`inc` given an object, a few percent of the gateway's CPU per call. Label sets are
 * few (routes × statuses, models × outcomes), so the map stays small.
 */
function children<T>(make: (...values: string[]) => T): (...values: string[]) => T {
  const made = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = made.get(key);
    if (child === undefined) {
      child = make(...values);
      made.set(key, child);
    }
    return child;
  };
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The Prometheus metrics (prom-client), fed by the HTTP layer, the usage recorder and the gateway. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly http = new Histogram({
    name: 'orchestratex_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly calls = new Histogram({
    name: 'orchestratex_provider_call_duration_seconds',
    help: 'Model call duration by provider, model and outcome (succeeded or the error class)',
    labelNames: ['provider', 'model', 'outcome'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'orchestratex_tokens_total',
    help: 'Tokens by provider, model and kind (input, output, cached_input, reasoning)',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'orchestratex_cost_usd_total',
    help: 'Cost in USD of the calls whose price is known, by provider and model',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });
  private readonly unknownCost = new Counter({
    name: 'orchestratex_unknown_cost_calls_total',
    help: 'Calls whose cost is unknown (no price), by provider and model',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });
  private readonly runs = new Counter({
    name: 'orchestratex_runs_total',
    help: 'Orchestration runs that ended, by strategy and status',
    labelNames: ['strategy', 'status'] as const,
    registers: [this.registry],
  });
  readonly sockets = new Gauge({
    name: 'orchestratex_socketio_connections',
    help: 'Open Socket.IO connections',
    registers: [this.registry],
  });

  constructor(recorder: UsageRecorder) {
    collectDefaultMetrics({ register: this.registry, prefix: 'orchestratex_' });
    new Gauge({
      name: 'orchestratex_usage_buffer_depth',
      help: 'Usage records waiting to be written',
      registers: [this.registry],
      collect() {
        this.set(recorder.depth);
      },
    });
    new Gauge({
      name: 'orchestratex_usage_dropped_records',
      help: 'Usage records dropped because the buffer was full (since start)',
      registers: [this.registry],
      collect() {
        this.set(recorder.dropped);
      },
    });
    const calls = children((...v) => this.calls.labels(...v));
    // A model's token and cost counters, found with one lookup per call.
    const counters = children((provider, model) => ({
      input: this.tokens.labels(provider, model, 'input'),
      output: this.tokens.labels(provider, model, 'output'),
      cachedInput: this.tokens.labels(provider, model, 'cached_input'),
      reasoning: this.tokens.labels(provider, model, 'reasoning'),
      cost: this.cost.labels(provider, model),
      unknownCost: this.unknownCost.labels(provider, model),
    }));
    recorder.onCall(({ provider, modelId: model, status, errorClass, latencyMs, usage, costUsd }) => {
      calls(provider, model, status === 'succeeded' ? 'succeeded' : (errorClass ?? 'unknown')).observe(
        latencyMs / 1000,
      );
      const of = counters(provider, model);
      if (usage !== null) {
        of.input.inc(usage.inputTokens);
        of.output.inc(usage.outputTokens);
        of.cachedInput.inc(usage.cachedInputTokens);
        of.reasoning.inc(usage.reasoningTokens);
      }
      if (costUsd === null) of.unknownCost.inc();
      else of.cost.inc(costUsd);
    });
    recorder.onRun((run) => this.runs.inc({ strategy: run.strategy, status: run.status }));
  }

  private readonly requests = children((...v) => this.http.labels(...v));

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests(method, route, String(status)).observe(seconds);
  }
}
