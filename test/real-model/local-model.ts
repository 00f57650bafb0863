import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localProvidersFile } from '../../local-model/local-model.js';

/**
 * SmolLM2 served by `dist-tools/local-model/main.js` in a process of its own (as a user runs a llama.cpp
 * server), and a providers file registering it. `npm run test:real-model` builds dist first.
 */
export async function startLocalModelProcess(): Promise<{
  url: string;
  providersFile: string;
  stats(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}> {
  const child: ChildProcess = spawn(process.execPath, ['dist-tools/local-model/main.js'], {
    env: { ...process.env, LOCAL_MODEL_PORT: '0', LOCAL_MODEL_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /Local model on (http:\/\/[^\s/]+)\/v1/.exec(output);
      if (found) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`the local model exited (${code}) before serving:\n${output}`)));
  });
  const providersFile = join(tmpdir(), `orx-local-model-${process.pid}.json`);
  writeFileSync(providersFile, JSON.stringify(localProvidersFile(url)));
  return {
    url,
    providersFile,
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as Record<string, number>,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
