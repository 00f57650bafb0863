import { simulatorProviderEnvironment } from '../src/config/providers.config.js';

function intOf(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name}=${JSON.stringify(raw)}: must be a whole number of 0 or more`);
  }
  return value;
}

/** The simulator's own settings (it runs without the server's configuration). */
export function simulatorSettings(
  defaults = { ttftMs: 0, tokenMs: 0, outputTokens: 24 },
  env: NodeJS.ProcessEnv = process.env,
): {
  port: number;
  host: string;
  behaviour: { ttftMs: number; tokenMs: number; outputTokens: number };
} {
  return {
    port: intOf(env, 'SIM_PORT', 8002),
    host: env.SIM_HOST ?? '127.0.0.1',
    behaviour: {
      ttftMs: intOf(env, 'SIM_TTFT_MS', defaults.ttftMs),
      tokenMs: intOf(env, 'SIM_TOKEN_MS', defaults.tokenMs),
      outputTokens: intOf(env, 'SIM_OUTPUT_TOKENS', defaults.outputTokens),
    },
  };
}

/**
 * The server's environment for `npm run demo`: the caller's own, with the six providers sent to
 * the simulator and the data kept apart from a real installation's (DATA_DIR=./data/demo).
 */
export function demoServerEnvironment(simulatorUrl: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { DATA_DIR: './data/demo', ...env, ...simulatorProviderEnvironment(simulatorUrl) };
}

/** The local model's own settings (`npm run local-model`, `npm run demo:real`, the real-model suite). */
export function localModelSettings(
  defaultPort: number,
  env: NodeJS.ProcessEnv = process.env,
): { port: number; threads: number; python: string; dataDir: string } {
  const threads = intOf(env, 'LOCAL_MODEL_THREADS', 1);
  if (threads < 1) throw new Error(`LOCAL_MODEL_THREADS=${JSON.stringify(env.LOCAL_MODEL_THREADS)}: must be 1 or more`);
  return {
    port: intOf(env, 'LOCAL_MODEL_PORT', defaultPort),
    threads,
    python: env.PYTHON ?? 'python3',
    dataDir: env.DATA_DIR ?? './data/demo-real',
  };
}

/** Timeouts for a server whose model generates one answer at a time on a CPU: a call may wait for several others. */
export const LOCAL_MODEL_TIMEOUTS = {
  PROVIDER_TIMEOUT_MS: '300000',
  PROVIDER_DEADLINE_MS: '600000',
  ORCHESTRATE_WAIT_MS: '600000',
};

/**
 * The server's environment for `npm run demo:real`: the caller's own, with the local model's
 * providers file, and the timeouts a one-generation-at-a-time CPU server needs unless given.
 */
export function realDemoServerEnvironment(
  providersFile: string,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return {
    DATA_DIR: dataDir,
    ...LOCAL_MODEL_TIMEOUTS,
    ...env,
    PROVIDERS_FILE: providersFile,
  };
}
