import { simulatorSettings } from './settings.js';
import { UpstreamSimulator } from './simulator.js';

/** `npm run sim`: the upstream simulator alone. */
async function main(): Promise<void> {
  const settings = simulatorSettings();
  const simulator = new UpstreamSimulator(settings.behaviour);
  const url = await simulator.listen(settings.port, settings.host);
  process.stdout.write(
    `Upstream simulator on ${url}\n` +
      `  OpenAI:    ${url}/v1  (POST /chat/completions, GET /models)\n` +
      `  Anthropic: ${url}     (POST /v1/messages)\n` +
      `  Control:   POST ${url}/_sim/config, POST ${url}/_sim/faults, POST ${url}/_sim/reset, GET ${url}/_sim/stats\n`,
  );
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
