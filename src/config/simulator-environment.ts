import type { SimModelBehaviour } from '../simulator/simulator.js';

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
export function simulatorSettings(env: NodeJS.ProcessEnv = process.env): {
  port: number;
  host: string;
  behaviour: Partial<SimModelBehaviour>;
} {
  return {
    port: intOf(env, 'SIM_PORT', 8002),
    host: env.SIM_HOST ?? '127.0.0.1',
    behaviour: {
      ttftMs: intOf(env, 'SIM_TTFT_MS', 0),
      tokenMs: intOf(env, 'SIM_TOKEN_MS', 0),
      outputTokens: intOf(env, 'SIM_OUTPUT_TOKENS', 24),
    },
  };
}
