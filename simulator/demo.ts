import { demoServerEnvironment, simulatorSettings } from './settings.js';
import { runDemoServer } from './demo-server.js';
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

  runDemoServer(demoServerEnvironment(url), () => simulator.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`Demo failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
