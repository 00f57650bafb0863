import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { displayUrl, type ProviderSettings } from '../config/providers.config.js';
import { AnthropicAdapter } from './adapters/anthropic.adapter.js';
import { OpenAiAdapter } from './adapters/openai.adapter.js';
import type { ProviderResponseDto } from './dto/provider.response.dto.js';
import type { ProviderAdapter } from './provider.types.js';
import { DEFAULT_RESILIENCE, Resilience, type AttemptReport } from './resilience.js';

const RECENT_WINDOW = 100;

/** The configured providers, their adapters, and the one resilience layer all calls go through. */
@Injectable()
export class ProvidersService {
  readonly resilience: Resilience;
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
    };
    return provider.protocol === 'anthropic' ? new AnthropicAdapter(options) : new OpenAiAdapter(options);
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
