import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built server, from this file built into dist-tools/simulator/. */
const SERVER = new URL('../../dist/main.js', import.meta.url);

/**
 * Runs the server (dist/main.js) in a child process with `env` until it exits or this process is
 * told to stop; then `close` (the upstream it was pointed at) and exit with the server's code.
 */
export function runDemoServer(env: NodeJS.ProcessEnv, close: () => Promise<void>): void {
  const server = spawn(process.execPath, [fileURLToPath(SERVER)], {
    env,
    stdio: 'inherit',
  });
  const stop = (signal: NodeJS.Signals) => server.kill(signal);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  server.once('exit', (code, signal) => {
    void close().then(() => process.exit(code ?? (signal ? 0 : 1)));
  });
}
