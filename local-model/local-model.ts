import { resolve } from 'node:path';
import { LocalModelServer, type LocalModelName } from './local-model.server.js';
import { ensureSmolLM2 } from './smollm2.js';

/** The provider id the local model is registered under in the providers file. */
export const LOCAL_PROVIDER = 'local';

/**
 * SmolLM2-135M under two names: a cooler and a warmer sampler of the same weights, so strategies
 * that need two distinct models run. The catalogue says so in their names.
 */
export const LOCAL_MODEL_NAMES: LocalModelName[] = [
  { id: 'smollm2-135m', temperature: 0.2, seed: 1 },
  { id: 'smollm2-135m-warm', temperature: 0.8, seed: 2 },
];

/** A providers file (PROVIDERS_FILE) that registers the local model's names, priced at $0. */
export function localProvidersFile(baseUrl: string) {
  return {
    providers: [{ id: LOCAL_PROVIDER, name: 'Local SmolLM2-135M (node-llama-cpp)', baseUrl: `${baseUrl}/v1` }],
    models: LOCAL_MODEL_NAMES.map((n) => ({
      provider: LOCAL_PROVIDER,
      model: n.id,
      name: `SmolLM2-135M-Instruct Q4_1 (temperature ${n.temperature})`,
      pricing: { inputPerMTok: 0, outputPerMTok: 0 },
      contextWindow: 8192,
      maxOutputTokens: 2048,
      roles: ['primary', 'evaluator', 'critic', 'aggregator'],
      capabilities: ['json_output', 'structured_output'],
    })),
  };
}

/** Downloads the model when missing, loads it and serves it; `url` is the server's base. */
export async function startLocalModel(
  options: {
    port?: number;
    host?: string;
    threads?: number;
    cacheDir?: string;
    python?: string;
    log?: (line: string) => void;
  } = {},
): Promise<{ server: LocalModelServer; url: string }> {
  const modelPath = await ensureSmolLM2(resolve(options.cacheDir ?? '.cache/models'), options.log, options.python);
  const server = await LocalModelServer.load({
    modelPath,
    names: LOCAL_MODEL_NAMES,
    threads: options.threads ?? 1,
    log: options.log,
  });
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return { server, url };
}
