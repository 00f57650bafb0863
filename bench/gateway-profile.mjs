// The gateway's CPU per call, and a CPU profile of it: the upstream simulator (0 ms) and
// OrchestrateX only, autocannon at 1, 10 and 100 connections, CPU time of each process read from
// /proc (the server's main thread apart from its other threads: the garbage collector's helpers),
// and the server's peak RSS. `npm run bench:profile` (after `nest build`); PROFILE=1 also writes a
// .cpuprofile of the server into bench/results/profiles (open it in Chrome DevTools →
// Performance). ALLOCATIONS=1 samples what the server allocates over 3 s at 10 connections and
// prints kB per call by package (the profile goes to bench/results/profiles too). STREAM=1
// streams. TRACING=1 exports every span to a local Jaeger (its CPU is reported apart) to measure
// what tracing adds per call.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJaeger } from './jaeger.mjs';
import { cpuMs as cpu, peakRss, serverFlags, threadCpuMs } from './support.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ADMIN = 'orx_bench_admin_key_0123456789abcdef';
const ports = { orx: 18201, sim: 18202, otlp: 18203, query: 18204 };
const jaeger = process.env.TRACING ? await startJaeger(ports.otlp, ports.query) : null;
const data = mkdtempSync(join(tmpdir(), 'orx-profile-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const sim = spawn(process.execPath, ['dist-tools/simulator/main.js'], {
  env: { ...process.env, SIM_PORT: String(ports.sim), SIM_TTFT_MS: '0', SIM_TOKEN_MS: '0', SIM_OUTPUT_TOKENS: '24' },
  stdio: 'ignore',
});
const PROFILES = 'bench/results/profiles';
const sampler = process.env.ALLOCATIONS ? join(PROFILES, `allocations-${Date.now()}`) : null;
const flags = [
  ...(process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : []),
  ...(sampler ? ['--require', './bench/heap-sampler.cjs'] : []),
];
if (sampler) mkdirSync(PROFILES, { recursive: true });
const orx = spawn(process.execPath, [...serverFlags(), ...flags, 'dist/main.js'], {
  env: {
    ...process.env,
    PORT: String(ports.orx),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: ADMIN,
    DATA_DIR: data,
    LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'simulator-key',
    OPENAI_BASE_URL: `http://127.0.0.1:${ports.sim}/v1`,
    ...(jaeger ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlp}` } : {}),
    ...(sampler ? { HEAP_SAMPLER: sampler } : {}),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  const url = `http://127.0.0.1:${ports.orx}/v1/chat/completions`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
  const body = JSON.stringify({
    model: 'openai/gpt-5.4-mini',
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
    max_tokens: 24,
    ...(process.env.STREAM ? { stream: true } : {}),
  });
  for (let i = 0; ; i += 1) {
    const res = await fetch(url, { method: 'POST', headers, body }).catch(() => null);
    if (res?.ok) break;
    if (i > 240) throw new Error('OrchestrateX did not start');
    await sleep(500);
  }
  const load = (connections, duration) => autocannon({ url, method: 'POST', headers, body, connections, duration });
  await load(10, 5); // warm-up
  if (sampler) await allocations(load);
  for (const c of [1, 10, 100]) {
    const before = { orx: cpu(orx.pid), threads: threadCpuMs(orx.pid), sim: cpu(sim.pid), jaeger: jaeger && cpu(jaeger.pid) };
    const run = await load(c, DURATION);
    const after = { orx: cpu(orx.pid), threads: threadCpuMs(orx.pid), sim: cpu(sim.pid), jaeger: jaeger && cpu(jaeger.pid) };
    const per = (a, b) => ((b - a) / run.requests.total).toFixed(3);
    process.stdout.write(
      `c=${c}: ${run.requests.average.toFixed(0)} req/s, p50 ${run.latency.p50} ms, p99 ${run.latency.p99} ms, ` +
        `failed ${run.errors + run.non2xx} | CPU ms per request: OrchestrateX ${per(before.orx.own, after.orx.own)} ` +
        `(main thread ${per(before.threads.main, after.threads.main)}, others ${per(before.threads.helpers, after.threads.helpers)}), ` +
        `its FerretDB ${per(before.orx.children, after.orx.children)}, simulator ${per(before.sim.own, after.sim.own)}` +
        (jaeger ? `, Jaeger ${per(before.jaeger.own, after.jaeger.own)}` : '') +
        `${jaeger ? ' (tracing on)' : ' (tracing off)'}\n`,
    );
  }
  process.stdout.write(
    `peak RSS of the OrchestrateX process (VmHWM): ${peakRss(orx.pid, { children: false })} MiB` +
      `${sampler ? ' (the allocation sampler’s profile included)' : ''}\n`,
  );
} finally {
  orx.kill('SIGINT');
  await sleep(3000);
  sim.kill('SIGTERM');
  jaeger?.stop();
  rmSync(data, { recursive: true, force: true });
}

/** Samples the server's allocations over 3 s at 10 connections; prints kB per call, by package. */
async function allocations(load) {
  writeFileSync(`${sampler}.start`, '');
  await sleep(500);
  const run = await load(10, 3);
  writeFileSync(`${sampler}.stop`, '');
  for (let i = 0; i < 50 && !existsSync(`${sampler}.heapprofile`); i += 1) await sleep(200);
  rmSync(`${sampler}.start`, { force: true });
  rmSync(`${sampler}.stop`, { force: true });
  const { head } = JSON.parse(readFileSync(`${sampler}.heapprofile`, 'utf8'));
  const byPlace = new Map();
  let total = 0;
  const placeOf = ({ url, functionName }) =>
    /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    (url === '' ? `(V8: ${functionName})` : url.startsWith('node:') ? url : url.replace(/.*\/dist\//, 'dist/'));
  const visit = (node) => {
    const place = placeOf(node.callFrame);
    byPlace.set(place, (byPlace.get(place) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) visit(child);
  };
  visit(head);
  const kb = (bytes) => (bytes / run.requests.total / 1024).toFixed(1);
  process.stdout.write(`allocated per request at c=10: ${kb(total)} kB (${sampler}.heapprofile); the most:\n`);
  for (const [place, bytes] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    process.stdout.write(`  ${kb(bytes).padStart(6)} kB  ${place}\n`);
  }
}
