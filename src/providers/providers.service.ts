import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { displayUrl, type ProviderSettings } from '../config/providers.config.js';
import { AnthropicAdapter } from './adapters/anthropic.adapter.js';
import { OpenAiAdapter } from './adapters/openai.adapter.js';
import { UpstreamHttp } from './adapters/upstream-http.js';
import type { ProviderResponseDto } from './dto/provider.response.dto.js';
import { performance } from 'node:perf_hooks';
import { ProviderError } from './provider.error.js';
import type {
  CompletionRequest,
  FailedAttempt,
  FinishReason,
  NormalizedUsage,
  ProviderAdapter,
  ToolCall,
} from './provider.types.js';
import { DEFAULT_RESILIENCE, Resilience, type AttemptReport, type Target } from './resilience.js';

/** What one call through the resilience layer gave. */
export interface CallOutcome {
  /** The target that answered (a fallback, maybe), or the first one when none did. */
  target: Target;
  text: string;
  /** The tools the model called (a chat the engine built with `tools`), whole, in order. */
  toolCalls: ToolCall[];
  usage: NormalizedUsage | null;
  finishReason: FinishReason | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  /** Attempts made, over every target tried. */
  attempts: number;
  /** The attempts that failed before the answer (or the error), in order: retries and fallbacks. */
  failedAttempts: FailedAttempt[];
  error: ProviderError | null;
}

/** An outcome before anything was sent: no text, no usage, no attempt. */
export function emptyOutcome(target: Target, error: ProviderError | null = null): CallOutcome {
  return {
    target,
    text: '',
    toolCalls: [],
    usage: null,
    finishReason: null,
    latencyMs: 0,
    timeToFirstTokenMs: null,
    attempts: 0,
    failedAttempts: [],
    error,
  };
}

const RECENT_WINDOW = 100;
const LISTING_INTERVAL_MS = 60_000;
const LISTING_TIMEOUT_MS = 3_000;

/** The configured providers, their adapters, and the one resilience layer all calls go through. */
@Injectable()
export class ProvidersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProvidersService.name);
  readonly resilience: Resilience;
  /** The models each self-hosted server lists (Ollama), once it has answered. */
  private readonly served = new Map<string, Set<string>>();
  private listing: NodeJS.Timeout | null = null;
  private readonly http = new UpstreamHttp();
  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly recent = new Map<string, boolean[]>();

  constructor(private readonly config: AppConfig) {
    this.resilience = new Resilience({ ...DEFAULT_RESILIENCE, ...config.resilience });
    for (const provider of config.providers) {
      if (provider.enabled) this.adapters.set(provider.id, this.createAdapter(provider));
    }
  }

  private createAdapter(provider: ProviderSettings): ProviderAdapter {
    const options = {
      provider: provider.id,
      // OpenAI-compatible local servers (Ollama) take any key; the SDK insists on one.
      apiKey: provider.apiKey ?? 'unused',
      baseUrl: provider.baseUrl,
      timeoutMs: this.config.providerTimeoutMs,
      fetch: this.http.fetch,
    };
    return provider.protocol === 'anthropic' ? new AnthropicAdapter(options) : new OpenAiAdapter(options);
  }

  /** Asks each self-hosted server which models it has, now and every minute (never blocking startup). */
  onApplicationBootstrap(): void {
    const servers = this.config.providers.filter((p) => p.enabled && p.listsModels);
    if (servers.length === 0) return;
    const refresh = () => void Promise.all(servers.map((p) => this.listModels(p)));
    refresh();
    this.listing = setInterval(refresh, LISTING_INTERVAL_MS).unref();
  }

  private async listModels(provider: ProviderSettings): Promise<void> {
    try {
      const response = await fetch(`${provider.baseUrl}/models`, {
        headers: provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {},
        signal: AbortSignal.timeout(LISTING_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { data } = (await response.json()) as { data?: { id?: unknown }[] };
      const ids = (data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
      this.served.set(provider.id, new Set(ids));
    } catch (error) {
      // Unknown, not empty: its models stay available, and a call that fails cools them down.
      this.logger.warn(
        `Listing the models of ${provider.name} (${displayUrl(provider.baseUrl)}) failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /**
   * Whether a self-hosted provider's server has the model (Ollama lists `llama3.3:latest` for
   * `llama3.3`); undefined when the provider lists none or its server has not answered yet.
   */
  serves(providerId: string, model: string): boolean | undefined {
    const served = this.served.get(providerId);
    return served === undefined ? undefined : served.has(model) || served.has(`${model}:latest`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.listing !== null) clearInterval(this.listing);
    await this.http.close();
  }

  /** The adapter of a configured provider, or undefined when it is not configured. */
  adapter(providerId: string): ProviderAdapter | undefined {
    return this.adapters.get(providerId);
  }

  /** Feed for the error rate shown by GET /api/providers. */
  recordAttempt(report: AttemptReport): void {
    const outcomes = this.recent.get(report.target.provider) ?? [];
    outcomes.push(report.error === undefined);
    if (outcomes.length > RECENT_WINDOW) outcomes.shift();
    this.recent.set(report.target.provider, outcomes);
  }

  /**
   * One call through the resilience layer, gathered: text, usage, finish reason, timings, attempts
   * and the typed error if it failed. `onDelta` hears the text as it streams, and which target gives it;
   * `onRaw` the provider's own events of a relayed request (`RelayRequest`).
   */
  async call(
    targets: Target[],
    request: CompletionRequest,
    signal: AbortSignal,
    onDelta: (text: string, target: Target) => void = () => undefined,
    onRaw: (data: string, target: Target) => void = () => undefined,
    owner?: string,
  ): Promise<CallOutcome> {
    const started = performance.now();
    const outcome = emptyOutcome(targets[0]);
    try {
      const events = this.resilience.stream(
        targets,
        request,
        signal,
        (report) => {
          outcome.attempts += 1;
          if (report.error !== undefined && report.error.errorClass !== 'cancelled') {
            outcome.failedAttempts.push({
              target: `${report.target.provider}/${report.target.model}`,
              attempt: report.attempt,
              errorClass: report.error.errorClass,
              status: report.error.details.status ?? null,
              message: report.error.message,
            });
          }
          this.recordAttempt(report);
        },
        owner,
      );
      for await (const event of events) {
        if (event.target !== undefined) outcome.target = event.target;
        if (event.type === 'delta') {
          outcome.timeToFirstTokenMs ??= Math.round(performance.now() - started);
          outcome.text += event.text;
          onDelta(event.text, outcome.target);
        } else if (event.type === 'raw') {
          outcome.timeToFirstTokenMs ??= Math.round(performance.now() - started);
          onRaw(event.data, outcome.target);
        } else if (event.type === 'tool_call') {
          outcome.timeToFirstTokenMs ??= Math.round(performance.now() - started);
          outcome.toolCalls.push(event.call);
        } else if (event.type === 'usage') outcome.usage = event.usage;
        else outcome.finishReason = event.reason;
      }
    } catch (error) {
      outcome.error = error instanceof ProviderError ? error : new ProviderError('unknown', String(error));
    }
    outcome.latencyMs = Math.round(performance.now() - started);
    return outcome;
  }

  list(): ProviderResponseDto[] {
    const cooldowns = this.resilience.cooldowns();
    return this.config.providers.map((provider) => {
      const outcomes = this.recent.get(provider.id) ?? [];
      const failures = outcomes.filter((ok) => !ok).length;
      return {
        id: provider.id,
        name: provider.name,
        protocol: provider.protocol,
        configured: provider.enabled,
        baseUrl: displayUrl(provider.baseUrl),
        keyVariable: provider.keyVariable,
        recentCalls: outcomes.length,
        recentErrorRate: outcomes.length === 0 ? null : failures / outcomes.length,
        cooldowns: cooldowns
          .filter((c) => c.provider === provider.id)
          .map((c) => ({ model: c.model, state: c.state === 'open' ? 'open' : 'half_open' })),
      };
    });
  }
}
