import { localModelSettings } from '../simulator/settings.js';
import { startLocalModel, localProvidersFile } from './local-model.js';

/**
 * `npm run local-model`: SmolLM2-135M behind an OpenAI-compatible endpoint (LOCAL_MODEL_PORT,
 * default 8003; LOCAL_MODEL_THREADS, default 1). Prints the providers file that registers it.
 */
async function main(): Promise<void> {
  const { port, threads, python } = localModelSettings(8003);
  const { server, url } = await startLocalModel({
    port,
    threads,
    python,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `Local model on ${url}/v1 (POST /chat/completions, GET /models; GET ${url}/stats)\n` +
      `A providers file for it (PROVIDERS_FILE):\n${JSON.stringify(localProvidersFile(url), null, 2)}\n`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Local model failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
