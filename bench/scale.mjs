// Scale-out benchmark: the distributed mode as deployed, on this machine. A real Redis (Debian's
// redis-server), one FerretDB, two API instances with RUN_JOBS=false and one, then two, run
// workers, all processes of the built app. For each worker count and upstream latency (0 and
// 100 ms to the first token): runs per second (improve runs through instance A) and the latency of
// each event from the worker's timestamp to its arrival on a socket of instance B. Then how long a
// cancel sent to B takes to stop a run on a worker, and a key revoked on A takes to be refused by B.
// `npm run bench:scale`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { simulatorProviderEnvironment } from '../dist/config/providers.config.js';
import { ensureFerretDbBinary } from '../dist/database/ferretdb.binary.js';
import { FerretDbProcess } from '../dist/database/ferretdb.process.js';
import { UpstreamSimulator } from '../dist-tools/simulator/simulator.js';
import { machine, median, quantile, writeResults } from './support.mjs';

const ADMIN = 'orx_bench_admin_key_0123456789abcdef';
const RUNS = Number(process.env.BENCH_RUNS ?? 48);
const CROSSINGS = Number(process.env.BENCH_CROSSINGS ?? 20);
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function upAt(url, child) {
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

async function start(script, env, healthPath) {
  const port = await freePort();
  const portVariable = script === 'dist/main.js' ? 'PORT' : 'WORKER_PORT';
  const child = spawn(process.execPath, [script], { env: { ...env, [portVariable]: String(port) }, stdio: 'ignore' });
  await upAt(`http://127.0.0.1:${port}${healthPath}`, child);
  return { child, url: `http://127.0.0.1:${port}` };
}

const stop = (p) =>
  new Promise((resolve) => {
    if (p.child.exitCode !== null) return resolve();
    p.child.once('exit', resolve);
    p.child.kill('SIGTERM');
  });

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orx-scale-'));
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--dir', dataDir], { stdio: 'ignore' });
  for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(redisPort), 'ping']).stdout?.toString().trim() !== 'PONG'; i += 1) await sleep(100);
  const db = await FerretDbProcess.start({ binary: await ensureFerretDbBinary(process.cwd()), dataDir: join(dataDir, 'db') });
  const sim = new UpstreamSimulator({ ttftMs: 0, tokenMs: 0, outputTokens: 40 });
  const simUrl = await sim.listen(0);
  const env = {
    PATH: process.env.PATH,
    ...simulatorProviderEnvironment(simUrl),
    MONGODB_URI: `mongodb://127.0.0.1:${db.port}/orx_scale_bench`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    ADMIN_API_KEY: ADMIN,
    LOG_LEVEL: 'error',
    MAX_RUNS_PER_KEY: '1000',
    HOST: '127.0.0.1',
  };
  const processes = [];
  const sockets = [];
  try {
    const [apiA, apiB] = await Promise.all([
      start('dist/main.js', { ...env, RUN_JOBS: 'false', WRITER_ID: 'api-a' }, '/health/ready'),
      start('dist/main.js', { ...env, RUN_JOBS: 'false', WRITER_ID: 'api-b' }, '/health/ready'),
    ]);
    processes.push(apiA, apiB);
    const api = async (base, path, body, method = body ? 'POST' : 'GET', key = ADMIN) => {
      const headers = { authorization: `Bearer ${key}` };
      if (body) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const watch = async (target) => {
      const socket = io(`${apiB.url}/orchestration`, { auth: { token: ADMIN }, transports: ['websocket'] });
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
      await socket.emitWithAck('subscribe', target);
      return socket;
    };

    const rows = [];
    for (const workerCount of [1, 2]) {
      while (processes.length - 2 < workerCount) {
        processes.push(await start('dist/worker.js', { ...env, WRITER_ID: `worker-${processes.length - 1}` }, '/health'));
      }
      for (const latency of [0, 100]) {
        sim.configure('*', { ttftMs: latency });
        const { body: session } = await api(apiA.url, '/api/sessions', { title: `scale ${workerCount}/${latency}` });
        const socket = await watch({ sessionId: session.id });
        const lags = [];
        const ended = new Set();
        let lastEnd = 0;
        socket.onAny((type, event) => {
          lags.push(Date.now() - Date.parse(event.at));
          if (['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted'].includes(type)) {
            ended.add(event.runId);
            lastEnd = Date.now();
          }
        });
        const started = Date.now();
        const posts = [];
        for (let i = 0; i < RUNS; i += 1) {
          posts.push(api(apiA.url, '/api/orchestrate', { sessionId: session.id, prompt: `Explain item ${i} briefly`, strategy: 'improve', maxIterations: 2, qualityThreshold: 10 }));
        }
        const created = await Promise.all(posts);
        const refused = created.filter((c) => c.status !== 202).length;
        while (ended.size < RUNS - refused && Date.now() - started < 600_000) await sleep(20);
        const seconds = (lastEnd - started) / 1000;
        const sorted = [...lags].sort((a, b) => a - b);
        rows.push({ workers: workerCount, upstreamMs: latency, runs: ended.size, refused, seconds, runsPerSecond: ended.size / seconds, events: lags.length, eventP50Ms: quantile(sorted, 0.5), eventP99Ms: quantile(sorted, 0.99) });
        log(`workers ${workerCount}, upstream ${latency} ms: ${(ended.size / seconds).toFixed(2)} runs/s (${ended.size} runs in ${seconds.toFixed(1)} s), event latency p50 ${quantile(sorted, 0.5)} ms / p99 ${quantile(sorted, 0.99)} ms over ${lags.length} events`);
        socket.disconnect();
      }
    }

    // A cancel sent to B: from the request to the worker's run.cancelled (its own timestamp).
    sim.configure('*', { ttftMs: 100 });
    const cancels = [];
    const { body: session } = await api(apiA.url, '/api/sessions', { title: 'cancels' });
    const socket = await watch({ sessionId: session.id });
    // Listened to before each run starts: its first step may begin before the POST answers.
    const started = new Set();
    const startWaiters = new Map();
    socket.on('step.started', (event) => {
      started.add(event.runId);
      startWaiters.get(event.runId)?.();
    });
    for (let i = 0; i < CROSSINGS; i += 1) {
      const { body: run } = await api(apiA.url, '/api/orchestrate', { sessionId: session.id, prompt: `Explain cancel ${i}`, strategy: 'improve', qualityThreshold: 10 });
      await new Promise((resolve) => {
        if (started.has(run.runId)) return resolve();
        startWaiters.set(run.runId, resolve);
      });
      const cancelled = new Promise((resolve) => {
        const onEnd = (event) => {
          if (event.runId !== run.runId) return;
          socket.off('run.cancelled', onEnd);
          resolve(Date.parse(event.at));
        };
        socket.on('run.cancelled', onEnd);
      });
      const sent = Date.now();
      await api(apiB.url, `/api/orchestrate/runs/${run.runId}/cancel`, undefined, 'POST');
      cancels.push((await cancelled) - sent);
    }
    socket.disconnect();

    // A key revoked on A: from the DELETE's answer until B answers 401 (B had the key cached).
    const revocations = [];
    for (let i = 0; i < CROSSINGS; i += 1) {
      const { body: key } = await api(apiA.url, '/api/keys', { name: `revoked ${i}`, role: 'user' });
      await api(apiB.url, '/api/sessions', undefined, 'GET', key.key);
      await api(apiA.url, `/api/keys/${key.id}`, undefined, 'DELETE');
      const revoked = Date.now();
      while ((await api(apiB.url, '/api/sessions', undefined, 'GET', key.key)).status !== 401) await sleep(1);
      revocations.push(Date.now() - revoked);
    }
    const crossing = {
      cancelMedianMs: median(cancels),
      cancelMaxMs: Math.max(...cancels),
      revocationMedianMs: median(revocations),
      revocationMaxMs: Math.max(...revocations),
    };
    log(`cancel B → worker: median ${crossing.cancelMedianMs} ms, max ${crossing.cancelMaxMs} ms; revocation A → B: median ${crossing.revocationMedianMs} ms, max ${crossing.revocationMaxMs} ms (${CROSSINGS} each)`);

    const table = [
      '| workers | upstream first token | runs | runs/s | event latency p50 / p99 ms (worker → socket on B) |',
      '|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.workers} | ${r.upstreamMs} ms | ${r.runs} | ${r.runsPerSecond.toFixed(2)} | ${r.eventP50Ms} / ${r.eventP99Ms} |`),
    ].join('\n');
    const markdown = `# Scale-out benchmark\n\n${machine()}; ${RUNS} improve runs (maxIterations 2) per row through API instance A, events on a socket of instance B; WORKER_CONCURRENCY 8.\n\n${table}\n\nCancel sent to B until the worker's run.cancelled: median ${crossing.cancelMedianMs} ms, max ${crossing.cancelMaxMs} ms. A key revoked on A until B answers 401: median ${crossing.revocationMedianMs} ms, max ${crossing.revocationMaxMs} ms (${CROSSINGS} each).\n`;
    writeResults('scale', { machine: machine(), runs: RUNS, rows, crossing }, markdown);
    log(markdown);
  } finally {
    for (const s of sockets) s.disconnect();
    await Promise.all(processes.map(stop));
    await sim.close();
    await db.stop();
    redis.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
