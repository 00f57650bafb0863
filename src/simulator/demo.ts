import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { demoServerEnvironment, simulatorSettings } from '../config/simulator-environment.js';
import { UpstreamSimulator } from './simulator.js';

/**
 * `npm run demo`: the upstream simulator, and the server with OpenAI, Anthropic, xAI, Alibaba,
 * Mistral and Meta all pointed at it, so the whole system runs offline.
 */
async function main(): Promise<void> {
  // Latencies a person can watch: 150 ms to the first token, then 15 ms a token (SIM_* change them).
  const settings = simulatorSettings({ ttftMs: 150, tokenMs: 15, outputTokens: 60 });
  const simulator = new UpstreamSimulator(settings.behaviour);
  const url = await simulator.listen(settings.port, settings.host);
  process.stdout.write(`Demo: upstream simulator on ${url}; every provider points at it (no real model is called)\n`);

  const server = spawn(process.execPath, [fileURLToPath(new URL('../main.js', import.meta.url))], {
    env: demoServerEnvironment(url),
    stdio: 'inherit',
  });
  const stop = (signal: NodeJS.Signals) => server.kill(signal);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  server.once('exit', (code, signal) => {
    void simulator.close().then(() => process.exit(code ?? (signal ? 0 : 1)));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`Demo failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
