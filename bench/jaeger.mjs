// A local trace collector for the benchmarks: the Jaeger v2 that scripts/ensure-jaeger.sh builds,
// in memory, its OTLP HTTP receiver on `port`. Returns the way to stop it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startJaeger(port, queryPort) {
  if (spawnSync('bash', ['scripts/ensure-jaeger.sh'], { stdio: 'inherit' }).status !== 0) {
    throw new Error('Jaeger could not be built');
  }
  const binary = join('.cache/jaeger', readdirSync('.cache/jaeger').find((n) => /^jaeger-v[\d.]+$/.test(n)));
  const dir = mkdtempSync(join(tmpdir(), 'orx-bench-jaeger-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'service:',
      '  extensions: [jaeger_storage, jaeger_query]',
      '  pipelines: { traces: { receivers: [otlp], exporters: [jaeger_storage_exporter] } }',
      '  telemetry: { metrics: { level: none }, logs: { level: warn } }',
      'extensions:',
      `  jaeger_query: { storage: { traces: mem }, http: { endpoint: "127.0.0.1:${queryPort}" }, grpc: { endpoint: "127.0.0.1:${queryPort + 1}" } }`,
      '  jaeger_storage: { backends: { mem: { memory: { max_traces: 20000 } } } }',
      `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:${port}" } } } }`,
      'exporters: { jaeger_storage_exporter: { trace_storage: mem } }',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['--config', config], { stdio: 'ignore' });
  for (let i = 0; i < 300; i += 1) {
    const up = await fetch(`http://127.0.0.1:${queryPort}/api/services`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid, stop: () => (child.kill('SIGTERM'), rmSync(dir, { recursive: true, force: true })) };
}
