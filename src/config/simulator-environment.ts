import type { SimModelBehaviour } from '../simulator/simulator.js';
import { simulatorProviderEnvironment } from './providers.config.js';

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
  behaviour: Partial<SimModelBehaviour>;
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
