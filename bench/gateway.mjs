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
import { startJaeger } from './jaeger.mjs';
import { cpuMs, machine, median, peakRss, quantile, serverFlags, spread, writeResults } from './support.mjs';

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
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
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
 * Added latency, paired: for each gateway in turn, a block of BLOCK pairs, a direct request to the
 * simulator then the same request through the gateway, back to back (the first pair of a block is
 * not counted: it finds the gateway cold after the others' turns). Each pair gives gateway − direct
 * under the same machine conditions; PASSES passes over all gateways give the spread.
 * Returns, per target, the pooled times (median, p99) and, for gateways, the paired differences:
 * the median over passes of each pass's median difference, its range, and the pooled p99.
 */
async function sequential(targets, n, stream = false) {
  const bodies = targets.map((t) => JSON.stringify({ ...t.body, stream }));
  const [direct] = targets;
  const times = targets.map(() => []);
  const errors = targets.map(() => 0);
  const diffs = targets.map(() => ({ all: [], passes: [] }));
  const perPass = Math.ceil(n / PASSES);
  for (let pass = 0; pass < PASSES; pass += 1) {
    const passDiffs = targets.map(() => []);
    const failed = targets.map(() => 0);
    const open = (k) => passDiffs[k].length < perPass && failed[k] < perPass; // all failing: give up
    while (targets.some((_, k) => k > 0 && open(k))) {
      for (let k = 1; k < targets.length; k += 1) {
        for (let i = 0; i <= BLOCK && open(k); i += 1) {
          const base = await timed(direct, bodies[0], stream);
          const ms = await timed(targets[k], bodies[k], stream);
          if (base === null) errors[0] += 1;
          if (ms === null) {
            errors[k] += 1;
            failed[k] += 1;
          }
          if (i === 0 || base === null || ms === null) continue;
          times[0].push(base);
          times[k].push(ms);
          passDiffs[k].push(ms - base);
        }
      }
    }
    for (let k = 1; k < targets.length; k += 1) {
      diffs[k].all.push(...passDiffs[k]);
      if (passDiffs[k].length > 0) diffs[k].passes.push(median(passDiffs[k]));
    }
  }
  return times.map((list, k) => {
    list.sort((a, b) => a - b);
    const d = diffs[k];
    d.all.sort((a, b) => a - b);
    // No figure at all when every request failed (Portkey's streams, here).
    if (list.length === 0) return { median: null, p99: null, errors: errors[k], added: null };
    return {
      median: quantile(list, 0.5),
      p99: quantile(list, 0.99),
      errors: errors[k],
      added: k === 0 || d.all.length === 0 ? null : { ...spread(d.passes), p99: +quantile(d.all, 0.99).toFixed(2) },
    };
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
  const ports = { sim: 18102, orx: 18101, litellm: 18103, portkey: 18104, floor: 18105, traced: 18106, otlp: 18107, query: 18108 };
  const simUrl = `http://127.0.0.1:${ports.sim}`;
  const results = [];
  let jaeger = null;
  try {
    const orx = start('OrchestrateX', process.execPath, [...serverFlags(), 'dist/main.js'], {
      PORT: String(ports.orx), HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, DATA_DIR: dataDir, LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'simulator-key', OPENAI_BASE_URL: `${simUrl}/v1`,
    });
    // The same server exporting every span to a local Jaeger: what tracing adds.
    jaeger = await startJaeger(ports.otlp, ports.query);
    const tracedDir = join(dataDir, 'traced');
    const traced = start('OrchestrateX (tracing on)', process.execPath, [...serverFlags(), 'dist/main.js'], {
      PORT: String(ports.traced), HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, DATA_DIR: tracedDir, LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'simulator-key', OPENAI_BASE_URL: `${simUrl}/v1`, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlp}`,
    });
    const config = join(dataDir, 'litellm.yaml');
    writeFileSync(config, `model_list:\n  - model_name: gpt-5.4-mini\n    litellm_params:\n      model: openai/gpt-5.4-mini\n      api_base: ${simUrl}/v1\n      api_key: simulator-key\nlitellm_settings:\n  telemetry: false\n`);
    const litellm = start('LiteLLM', tools.litellm, ['--config', config, '--port', String(ports.litellm), '--num_workers', '1'], { LITELLM_LOG: 'ERROR', TELEMETRY: 'False', LITELLM_MASTER_KEY: LITELLM_KEY });
    const portkey = start('Portkey', process.execPath, [tools.portkey, `--port=${ports.portkey}`, '--headless'], { NODE_ENV: 'production' });
    const floor = start('floor (node:http proxy)', process.execPath, ['bench/floor-proxy.mjs'], { PORT: String(ports.floor), UPSTREAM: `${simUrl}/v1` });

    // Callers of the gateway hold ordinary user keys (the admin key is for administration).
    await waitFor(`http://127.0.0.1:${ports.orx}/health`, {}, orx);
    const created = await fetch(`http://127.0.0.1:${ports.orx}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: 'bench' }) });
    if (!created.ok) throw new Error(`creating a key: ${created.status} ${await created.text()}`);
    const userKey = (await created.json()).key;
    await waitFor(`http://127.0.0.1:${ports.traced}/health`, {}, traced);
    const tracedKey = (await (await fetch(`http://127.0.0.1:${ports.traced}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: 'bench' }) })).json()).key;

    const message = { messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 24 };
    const json = { 'content-type': 'application/json' };
    const targets = [
      { name: 'direct (simulator)', url: `${simUrl}/v1/chat/completions`, headers: { ...json, authorization: 'Bearer simulator-key' }, body: { model: 'gpt-5.4-mini', ...message } },
      { name: 'OrchestrateX', proc: orx, url: `http://127.0.0.1:${ports.orx}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${userKey}` }, body: { model: 'openai/gpt-5.4-mini', ...message } },
      { name: 'OrchestrateX (tracing on)', proc: traced, url: `http://127.0.0.1:${ports.traced}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${tracedKey}` }, body: { model: 'openai/gpt-5.4-mini', ...message } },
      { name: 'LiteLLM', proc: litellm, url: `http://127.0.0.1:${ports.litellm}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${LITELLM_KEY}` }, body: { model: 'gpt-5.4-mini', ...message } },
      { name: 'Portkey', proc: portkey, url: `http://127.0.0.1:${ports.portkey}/v1/chat/completions`, headers: { ...json, authorization: 'Bearer simulator-key', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${simUrl}/v1` }, body: { model: 'gpt-5.4-mini', ...message } },
      // The floor: what the least a Node proxy does (bench/floor-proxy.mjs) costs on this machine.
      { name: 'floor (node:http proxy)', proc: floor, url: `http://127.0.0.1:${ports.floor}/v1/chat/completions`, headers: json, body: { model: 'openai/gpt-5.4-mini', ...message } },
    ];

    for (const profile of [{ name: '0 ms', ttft: 0, n: SEQUENTIAL }, { name: '100 ms', ttft: 100, n: Math.min(SEQUENTIAL, 200) }]) {
      const sim = start('simulator', process.execPath, ['dist-tools/simulator/main.js'], { SIM_PORT: String(ports.sim), SIM_TTFT_MS: String(profile.ttft), SIM_TOKEN_MS: '0', SIM_OUTPUT_TOKENS: '24' });
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
        log(`  ${t.name.padEnd(20)} seq median ${seq[i].median?.toFixed(2)} ms p99 ${seq[i].p99?.toFixed(2)} ms | added ${seq[i].added?.text ?? '—'} ms | TTFT median ${ttft[i].median?.toFixed(2)} ms | rps c1 ${byConcurrency[1].rps.toFixed(0)} c10 ${byConcurrency[10].rps.toFixed(0)} c100 ${byConcurrency[100].rps.toFixed(0)} (errors ${byConcurrency[100].errors})`);
      }
      sim.child.kill('SIGTERM');
      await sleep(500);
    }
    // The gateway's own process, and with its children (OrchestrateX's embedded FerretDB, LiteLLM's workers).
    const rss = Object.fromEntries(
      targets.slice(1).map((t) => [t.name, `${peakRss(t.proc.child.pid, { children: false })} / ${peakRss(t.proc.child.pid)}`]),
    );

    const added = (r, key) => (r.gateway === 'direct (simulator)' ? '—' : r[key].added === null ? 'all failed' : key === 'ttft' ? r[key].added.text : r[key].added.text);
    const addedP99 = (r) => (r.gateway === 'direct (simulator)' ? '—' : r.sequential.added === null ? 'all failed' : r.sequential.added.p99.toFixed(2));
    const rows = [];
    for (const r of results) {
      rows.push(`| ${r.upstream} | ${r.gateway} | ${added(r, 'sequential')} | ${addedP99(r)} | ${added(r, 'ttft')} | ${r.byConcurrency[1].rps.toFixed(0)} | ${r.byConcurrency[10].rps.toFixed(0)} | ${r.byConcurrency[100].rps.toFixed(0)} | ${r.byConcurrency[100].p50.toFixed(0)} / ${r.byConcurrency[100].p99.toFixed(0)} | ${r.byConcurrency[10].cpuMsPerRequest === undefined ? '—' : r.byConcurrency[10].cpuMsPerRequest.toFixed(2)} | ${r.gateway in rss ? rss[r.gateway] : '—'} | ${r.sequential.errors + r.ttft.errors} / ${r.byConcurrency[1].errors + r.byConcurrency[10].errors + r.byConcurrency[100].errors} |`);
    }
    const machineLine = machine();
    const date = new Date().toISOString();
    const table = [
      `Gateways side by side, ${date.slice(0, 10)}, ${machineLine}; LiteLLM ${LITELLM_VERSION} (1 worker, no database), Portkey gateway ${PORTKEY_VERSION}, OrchestrateX with usage recording on (embedded FerretDB), and a second OrchestrateX exporting every span to a local Jaeger (tracing on). Added latency = gateway − direct, paired: each gateway request right after the same request sent directly, ${SEQUENTIAL} pairs per gateway (200 at 100 ms) in blocks of ${BLOCK}, in ${PASSES} passes; the figure is the median over passes of each pass's median difference, with the passes' range, and the p99 of all differences; throughput with autocannon, ${DURATION} s per level, every target in turn, mean of ${REPEATS} rounds; each gateway warmed up for ${WARMUP} s at 10 connections first. OrchestrateX is called with a user key. The floor is bench/floor-proxy.mjs: node:http in and out with a keep-alive pool, the body parsed and its model swapped, the answer's usage parsed, nothing else (no auth, limits, recording or retries): a floor for any Node gateway on this machine. CPU per request counts the gateway process and its children (for OrchestrateX its embedded FerretDB), over the c=10 run.`,
      '',
      '| upstream | gateway | added median ms (range over passes) | added p99 ms | added TTFT ms (stream, range over passes) | req/s c=1 | req/s c=10 | req/s c=100 | latency c=100 p50 / p99 ms | CPU ms per request c=10 | peak RSS MiB (process / with children) | failed requests (sequential / load) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    ].join('\n');
    writeResults('gateway', { date, machine: machineLine, results, peakRssMiB: rss }, table);
    log(`\n${table}`);
  } finally {
    jaeger?.stop();
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
