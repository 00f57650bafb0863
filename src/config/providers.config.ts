/** The wire protocols providers speak: OpenAI's Chat Completions (and kin) or Anthropic's Messages. */
export type WireProtocol = 'openai' | 'anthropic';

/** A provider OrchestrateX knows how to reach, and the variables that configure it. */
export interface ProviderDefinition {
  id: string;
  name: string;
  protocol: WireProtocol;
  /** The variable holding its API key; null for a provider that takes none (Ollama). */
  keyVariable: string | null;
  baseUrlVariable: string;
  defaultBaseUrl: string;
  /** A server of one's own: its models are the ones it lists (`GET /models`), not the catalogue's. */
  listsModels?: boolean;
}

/** Built-in providers. OpenAI-style base URLs end in /v1; Anthropic's is the host root. */
export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    protocol: 'openai',
    keyVariable: 'OPENAI_API_KEY',
    baseUrlVariable: 'OPENAI_BASE_URL',
    defaultBaseUrl: 'https://api.openai.com/v1',
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    protocol: 'anthropic',
    keyVariable: 'ANTHROPIC_API_KEY',
    baseUrlVariable: 'ANTHROPIC_BASE_URL',
    defaultBaseUrl: 'https://api.anthropic.com',
  },
  {
    id: 'xai',
    name: 'xAI (Grok)',
    protocol: 'openai',
    keyVariable: 'XAI_API_KEY',
    baseUrlVariable: 'XAI_BASE_URL',
    defaultBaseUrl: 'https://api.x.ai/v1',
  },
  {
    id: 'alibaba',
    name: 'Alibaba Cloud (Qwen, DashScope compatible mode)',
    protocol: 'openai',
    keyVariable: 'DASHSCOPE_API_KEY',
    baseUrlVariable: 'DASHSCOPE_BASE_URL',
    defaultBaseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  },
  {
    id: 'mistral',
    name: 'Mistral',
    protocol: 'openai',
    keyVariable: 'MISTRAL_API_KEY',
    baseUrlVariable: 'MISTRAL_BASE_URL',
    defaultBaseUrl: 'https://api.mistral.ai/v1',
  },
  {
    id: 'meta',
    name: 'Meta Llama (Llama API or any OpenAI-compatible Llama host)',
    protocol: 'openai',
    keyVariable: 'LLAMA_API_KEY',
    baseUrlVariable: 'LLAMA_BASE_URL',
    defaultBaseUrl: 'https://api.llama.com/compat/v1',
  },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    protocol: 'openai',
    keyVariable: 'OPENROUTER_API_KEY',
    baseUrlVariable: 'OPENROUTER_BASE_URL',
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
  },
  {
    id: 'ollama',
    name: 'Ollama',
    protocol: 'openai',
    keyVariable: null,
    baseUrlVariable: 'OLLAMA_BASE_URL',
    defaultBaseUrl: 'http://localhost:11434/v1',
    listsModels: true,
  },
];

/** One provider as configured: enabled when its key is set (Ollama: when its base URL is). */
export interface ProviderSettings {
  id: string;
  name: string;
  protocol: WireProtocol;
  enabled: boolean;
  baseUrl: string;
  /** Never logged, never returned by the API. */
  apiKey: string | undefined;
  keyVariable: string | null;
  /** Its models are the ones its server lists (Ollama). */
  listsModels: boolean;
}

/** Reads the providers' variables; returns the problems found (each naming its variable). */
export function readProviders(env: NodeJS.ProcessEnv): { providers: ProviderSettings[]; problems: string[] } {
  const problems: string[] = [];
  const providers = PROVIDER_DEFINITIONS.map((definition) => {
    const key = definition.keyVariable ? env[definition.keyVariable]?.trim() || undefined : undefined;
    const rawUrl = env[definition.baseUrlVariable]?.trim() || undefined;
    let baseUrl = definition.defaultBaseUrl;
    if (rawUrl !== undefined) {
      try {
        const url = new URL(rawUrl);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
        baseUrl = rawUrl.replace(/\/+$/, '');
      } catch {
        problems.push(`${definition.baseUrlVariable}=${JSON.stringify(rawUrl)}: must be an http:// or https:// URL`);
      }
    }
    const enabled = definition.keyVariable === null ? rawUrl !== undefined : key !== undefined;
    return {
      id: definition.id,
      name: definition.name,
      protocol: definition.protocol,
      enabled,
      baseUrl,
      apiKey: key,
      keyVariable: definition.keyVariable,
      listsModels: definition.listsModels === true,
    };
  });
  return { providers, problems };
}

/** A base URL fit to show: no user info, no query string (either may carry a secret). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** The six providers of the mission: the demo and the tests point them all at the simulator. */
export const MISSION_PROVIDERS = ['openai', 'anthropic', 'xai', 'alibaba', 'mistral', 'meta'] as const;

/**
 * Variables that send the given providers to the upstream simulator at `simulatorUrl` (its host
 * root) and mark them simulated (SIMULATED_PROVIDERS).
 */
export function simulatorProviderEnvironment(
  simulatorUrl: string,
  providerIds: readonly string[] = MISSION_PROVIDERS,
): Record<string, string> {
  const env: Record<string, string> = {};
  const simulated = PROVIDER_DEFINITIONS.filter((d) => providerIds.includes(d.id));
  for (const definition of simulated) {
    env[definition.baseUrlVariable] = definition.protocol === 'anthropic' ? simulatorUrl : `${simulatorUrl}/v1`;
    if (definition.keyVariable !== null) env[definition.keyVariable] = `simulator-key-${definition.id}`;
  }
  // They are the simulator: their hashed evaluations are not judgements (configuration says so).
  env.SIMULATED_PROVIDERS = simulated.map((d) => d.id).join(',');
  return env;
}

/** What to set to enable a provider, for error messages. */
export function enableHint(provider: ProviderSettings | undefined, providerId: string): string {
  if (provider?.keyVariable) return `set ${provider.keyVariable}`;
  const definition = PROVIDER_DEFINITIONS.find((d) => d.id === providerId);
  return definition ? `set ${definition.baseUrlVariable}` : 'add it to the providers file';
}
