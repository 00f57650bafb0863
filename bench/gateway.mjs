// Gateway benchmark: the upstream simulator (its own process) reached directly, through
// OrchestrateX /v1/chat/completions, through LiteLLM's proxy and through Portkey's gateway, at
// 0 ms and at a fixed 100 ms upstream latency. `npm run bench:gateway` (needs python3 and the
// package registries: LiteLLM is installed from PyPI into .cache/bench, Portkey from npm).
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuMs, machine, peakRss, quantile, writeResults } from './support.mjs';

const ROOT = process.cwd();
const CACHE = join(ROOT, '.cache', 'bench');
const LITELLM_VERSION = '1.106.2';
const PORTKEY_VERSION = '1.15.2';
const ADMIN = 'orx_bench_admin_key_0123456789abcdef';
// A master key made for each run: LiteLLM refuses to start without one.
const LITELLM_KEY = `sk-${randomBytes(24).toString('hex')}`;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const BLOCK = 50;
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status})`);
}

function ensureTools() {
  const venv = join(CACHE, `litellm-${LITELLM_VERSION}`);
  if (!existsSync(join(venv, 'bin', 'litellm'))) {
    log(`Installing LiteLLM ${LITELLM_VERSION} (proxy) from PyPI into ${venv}…`);
    run('python3', ['-m', 'venv', venv]);
    run(join(venv, 'bin', 'pip'), ['install', '-q', `litellm[proxy]==${LITELLM_VERSION}`]);
  }
  const portkey = join(CACHE, `portkey-${PORTKEY_VERSION}`);
  if (!existsSync(join(portkey, 'node_modules', '@portkey-ai', 'gateway'))) {
    log(`Installing @portkey-ai/gateway ${PORTKEY_VERSION} from npm into ${portkey}…`);
    mkdirSync(portkey, { recursive: true });
    run('npm', ['install', '--prefix', portkey, '--no-audit', '--no-fund', `@portkey-ai/gateway@${PORTKEY_VERSION}`]);
  }
  return { litellm: join(venv, 'bin', 'litellm'), portkey: join(portkey, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js') };
}

function start(name, command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-4000)));
  children.push(child);
  return { name, child, output: () => output };
}

async function waitFor(url, init, proc, ms = 120_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(url, init);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (proc?.child.exitCode !== null && proc?.child.exitCode !== undefined) throw new Error(`${proc.name} exited: ${proc.output()}`);
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${ms} ms: ${proc?.output() ?? ''}`);
}

/** One request; its time to the end of the answer, or to the first bytes of a stream; null when it failed. */
async function timed(target, body, stream) {
  const t0 = performance.now();
  const res = await fetch(target.url, { method: 'POST', headers: target.headers, body }).catch((error) => error);
  if (res instanceof Error || !res.ok) {
    const why = res instanceof Error ? res.message : `${res.status} ${(await res.text()).slice(0, 200)}`;
    if (!target.failures?.has(why)) log(`  ${target.name}: a request failed (${stream ? 'stream' : 'whole answer'}): ${why}`);
    (target.failures ??= new Set()).add(why);
    return null;
  }
  if (!stream) {
    await res.arrayBuffer();
    return performance.now() - t0;
  }
  const reader = res.body.getReader();
  await reader.read(); // the first bytes of the stream
  const t1 = performance.now();
  while (!(await reader.read()).done);
  return t1 - t0;
}

/**
 * Sequential requests, the targets taken in turn in blocks of BLOCK requests (the first of each
 * block not counted: it finds the process cold after the others' turns). Back-to-back requests
 * within a block measure the warm path; turns spread over the run put a hiccup of the machine on
 * every target alike, not on whichever was being measured.
 */
async function sequential(targets, n, stream = false) {
  const bodies = targets.map((t) => JSON.stringify({ ...t.body, stream }));
  const times = targets.map(() => []);
  const errors = targets.map(() => 0);
  while (times.some((list, k) => list.length + errors[k] < n)) {
    for (let k = 0; k < targets.length; k += 1) {
      for (let i = 0; i <= BLOCK && times[k].length + errors[k] < n; i += 1) {
        const ms = await timed(targets[k], bodies[k], stream);
        if (ms === null) errors[k] += 1;
        else if (i > 0) times[k].push(ms);
      }
    }
  }
  return times.map((list, k) => {
    list.sort((a, b) => a - b);
    // No figure at all when every request failed (Portkey's streams, here).
    return list.length === 0
      ? { median: null, p99: null, errors: errors[k] }
      : { median: quantile(list, 0.5), p99: quantile(list, 0.99), errors: errors[k] };
  });
}

function load(target, connections, duration = DURATION) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: target.url, method: 'POST', headers: target.headers, body: JSON.stringify(target.body), connections, duration },
      (error, result) => (error ? reject(error) : resolve({ rps: result.requests.average, total: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx })),
    );
  });
}

async function main() {
  const tools = ensureTools();
  const dataDir = mkdtempSync(join(tmpdir(), 'orx-gw-'));
  const ports = { sim: 18102, orx: 18101, litellm: 18103, portkey: 18104 };
  const simUrl = `http://127.0.0.1:${ports.sim}`;
  const results = [];
  try {
    const orx = start('OrchestrateX', process.execPath, ['dist/main.js'], {
      PORT: String(ports.orx), HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, DATA_DIR: dataDir, LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'simulator-key', OPENAI_BASE_URL: `${simUrl}/v1`,
    });
    const config = join(dataDir, 'litellm.yaml');
    writeFileSync(config, `model_list:\n  - model_name: gpt-5.4-mini\n    litellm_params:\n      model: openai/gpt-5.4-mini\n      api_base: ${simUrl}/v1\n      api_key: simulator-key\nlitellm_settings:\n  telemetry: false\n`);
    const litellm = start('LiteLLM', tools.litellm, ['--config', config, '--port', String(ports.litellm), '--num_workers', '1'], { LITELLM_LOG: 'ERROR', TELEMETRY: 'False', LITELLM_MASTER_KEY: LITELLM_KEY });
    const portkey = start('Portkey', process.execPath, [tools.portkey, `--port=${ports.portkey}`, '--headless'], { NODE_ENV: 'production' });

    // Callers of the gateway hold ordinary user keys (the admin key is for administration).
    await waitFor(`http://127.0.0.1:${ports.orx}/health`, {}, orx);
    const created = await fetch(`http://127.0.0.1:${ports.orx}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: 'bench' }) });
    if (!created.ok) throw new Error(`creating a key: ${created.status} ${await created.text()}`);
    const userKey = (await created.json()).key;

    const message = { messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 24 };
    const json = { 'content-type': 'application/json' };
    const targets = [
      { name: 'direct (simulator)', url: `${simUrl}/v1/chat/completions`, headers: { ...json, authorization: 'Bearer simulator-key' }, body: { model: 'gpt-5.4-mini', ...message } },
      { name: 'OrchestrateX', proc: orx, url: `http://127.0.0.1:${ports.orx}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${userKey}` }, body: { model: 'openai/gpt-5.4-mini', ...message } },
      { name: 'LiteLLM', proc: litellm, url: `http://127.0.0.1:${ports.litellm}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${LITELLM_KEY}` }, body: { model: 'gpt-5.4-mini', ...message } },
      { name: 'Portkey', proc: portkey, url: `http://127.0.0.1:${ports.portkey}/v1/chat/completions`, headers: { ...json, authorization: 'Bearer simulator-key', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${simUrl}/v1` }, body: { model: 'gpt-5.4-mini', ...message } },
    ];

    for (const profile of [{ name: '0 ms', ttft: 0, n: SEQUENTIAL }, { name: '100 ms', ttft: 100, n: Math.min(SEQUENTIAL, 200) }]) {
      const sim = start('simulator', process.execPath, ['dist/simulator/main.js'], { SIM_PORT: String(ports.sim), SIM_TTFT_MS: String(profile.ttft), SIM_TOKEN_MS: '0', SIM_OUTPUT_TOKENS: '24' });
      await waitFor(`${simUrl}/v1/models`, {}, sim);
      for (const t of targets.slice(1)) await waitFor(t.url, { method: 'POST', headers: t.headers, body: JSON.stringify(t.body) }, t.proc);
      log(`\nUpstream latency ${profile.name}:`);
      // Every process warms up alike (JIT, connection pools) before it is measured.
      for (const t of targets) await load(t, 10, WARMUP);
      const seq = await sequential(targets, profile.n);
      const ttft = await sequential(targets, Math.min(profile.n, 200), true);
      // Throughput: each level for every target in turn, REPEATS rounds, averaged.
      const runs = targets.map(() => ({ 1: [], 10: [], 100: [] }));
      for (let round = 0; round < REPEATS; round += 1) {
        for (const c of [1, 10, 100]) {
          for (const [i, t] of targets.entries()) {
            const cpuBefore = t.proc ? cpuMs(t.proc.child.pid).total : 0;
            const run = await load(t, c);
            if (t.proc) run.cpuMsPerRequest = (cpuMs(t.proc.child.pid).total - cpuBefore) / run.total;
            runs[i][c].push(run);
          }
        }
      }
      const mean = (list, key) => (list.some((r) => r[key] === undefined) ? undefined : list.reduce((a, r) => a + r[key], 0) / list.length);
      for (const [i, t] of targets.entries()) {
        const byConcurrency = {};
        for (const c of [1, 10, 100]) {
          const list = runs[i][c];
          byConcurrency[c] = { rps: mean(list, 'rps'), p50: mean(list, 'p50'), p99: mean(list, 'p99'), errors: list.reduce((a, r) => a + r.errors, 0), cpuMsPerRequest: mean(list, 'cpuMsPerRequest'), runs: list };
        }
        results.push({ upstream: profile.name, gateway: t.name, sequential: seq[i], ttft: ttft[i], byConcurrency });
        log(`  ${t.name.padEnd(20)} seq median ${seq[i].median?.toFixed(2)} ms p99 ${seq[i].p99?.toFixed(2)} ms | TTFT median ${ttft[i].median?.toFixed(2)} ms | rps c1 ${byConcurrency[1].rps.toFixed(0)} c10 ${byConcurrency[10].rps.toFixed(0)} c100 ${byConcurrency[100].rps.toFixed(0)} (errors ${byConcurrency[100].errors})`);
      }
      sim.child.kill('SIGTERM');
      await sleep(500);
    }
    const rss = Object.fromEntries(targets.slice(1).map((t) => [t.name, peakRss(t.proc.child.pid)]));

    const added = (value, base, digits = 2) => (value === null || base === null ? 'all failed' : (value - base).toFixed(digits));
    const rows = [];
    for (const r of results) {
      const direct = results.find((d) => d.upstream === r.upstream && d.gateway === 'direct (simulator)');
      rows.push(`| ${r.upstream} | ${r.gateway} | ${added(r.sequential.median, direct.sequential.median)} | ${added(r.sequential.p99, direct.sequential.p99)} | ${added(r.ttft.median, direct.ttft.median)} | ${r.byConcurrency[1].rps.toFixed(0)} | ${r.byConcurrency[10].rps.toFixed(0)} | ${r.byConcurrency[100].rps.toFixed(0)} | ${r.byConcurrency[100].p50.toFixed(0)} / ${r.byConcurrency[100].p99.toFixed(0)} | ${r.byConcurrency[10].cpuMsPerRequest === undefined ? '—' : r.byConcurrency[10].cpuMsPerRequest.toFixed(2)} | ${r.gateway in rss ? rss[r.gateway] : '—'} | ${r.sequential.errors + r.ttft.errors} / ${r.byConcurrency[1].errors + r.byConcurrency[10].errors + r.byConcurrency[100].errors} |`);
    }
    const machineLine = machine();
    const date = new Date().toISOString();
    const table = [
      `Gateways side by side, ${date.slice(0, 10)}, ${machineLine}; LiteLLM ${LITELLM_VERSION} (1 worker, no database), Portkey gateway ${PORTKEY_VERSION}, OrchestrateX with usage recording on (embedded FerretDB). Added latency = gateway − direct, sequential over ${SEQUENTIAL} requests each (200 at 100 ms), the targets taken in turn in blocks of ${BLOCK}; throughput with autocannon, ${DURATION} s per level, every target in turn, mean of ${REPEATS} rounds; each gateway warmed up for ${WARMUP} s at 10 connections first. OrchestrateX is called with a user key. CPU per request counts the gateway process and its children (for OrchestrateX its embedded FerretDB), over the c=10 run.`,
      '',
      '| upstream | gateway | added median ms | added p99 ms | added TTFT ms (stream) | req/s c=1 | req/s c=10 | req/s c=100 | latency c=100 p50 / p99 ms | CPU ms per request c=10 | peak RSS MiB | failed requests (sequential / load) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    ].join('\n');
    writeResults('gateway', { date, machine: machineLine, results, peakRssMiB: rss }, table);
    log(`\n${table}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(1500);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
