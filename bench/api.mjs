// API benchmark: GET /api/sessions and POST /api/threads/:id/messages at 200 connections, on the
// embedded FerretDB with 10,000 sessions and 10,000 messages stored. `npm run bench:api`.
// The server is dist/main.js in its own process (a user key calls it); autocannon drives it,
// each measurement in ROUNDS rounds taken in turn, with their range printed beside the mean.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, machine, peakRss, writeResults } from './support.mjs';

const ADMIN = 'orx_bench_admin_key_0123456789abcdef';
const PORT = Number(process.env.BENCH_PORT ?? 18121);
const STORED = Number(process.env.BENCH_STORED ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = 100;
// Clients storing the data first: few, since FerretDB on SQLite takes one writer at a time.
const SEED_CLIENTS = Number(process.env.BENCH_SEED_CLIENTS ?? 8);
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const base = `http://127.0.0.1:${PORT}`;

/** One call; a 503 (the database busy) is retried, as a client would, with the same Idempotency-Key. */
async function api(key, path, body) {
  const idempotencyKey = `seed-${Math.random().toString(36).slice(2)}`;
  for (let attempt = 0; ; attempt += 1) {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 503 && attempt < 5) {
      seedRetries += 1;
      await sleep(500 * 2 ** attempt);
      continue;
    }
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}
let seedRetries = 0;

/** `count` calls of `make(i)`, `width` at a time. */
async function pool(count, width, make) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await make(next++);
    }),
  );
}

function load(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, ...options }, (error, result) =>
      error
        ? reject(error)
        : resolve({
            rps: result.requests.average,
            total: result.requests.total,
            p50: result.latency.p50,
            p99: result.latency.p99,
            errors: result.errors + result.timeouts,
            non2xx: result.non2xx,
          }),
    );
  });
}

const range = (runs, key, digits = 0) => {
  const values = runs.map((r) => r[key]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return `${mean.toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orx-api-bench-'));
  const server = spawn(process.execPath, ['dist/main.js'], {
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    for (let i = 0; ; i += 1) {
      if (i > 600) throw new Error('the server did not start');
      if (await fetch(`${base}/health/ready`).then((r) => r.ok, () => false)) break;
      await sleep(200);
    }
    const { key } = await api(ADMIN, '/api/keys', { name: 'bench', role: 'user' });

    log(`storing ${STORED} sessions and ${STORED} messages in ${THREADS} threads…`);
    const seeded = Date.now();
    await pool(STORED, SEED_CLIENTS, (i) => api(key, `/api/sessions`, { title: `session ${i}` }));
    const session = await api(key, '/api/sessions', { title: 'the threads' });
    const threads = [];
    for (let i = 0; i < THREADS; i += 1) threads.push((await api(key, '/api/threads', { sessionId: session.id, title: `thread ${i}` })).id);
    await pool(STORED, SEED_CLIENTS, (i) => api(key, `/api/threads/${threads[i % THREADS]}/messages`, { role: 'user', content: `message ${i}` }));
    const seedSeconds = (Date.now() - seeded) / 1000;
    log(`stored in ${seedSeconds.toFixed(0)} s (${seedRetries} calls answered 503 and retried)`);

    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ role: 'user', content: 'a message under load' });
    let spread = 0;
    const cases = [
      { name: 'GET /api/sessions (first page of 20)', options: { url: `${base}/api/sessions`, headers } },
      {
        name: `POST /api/threads/:id/messages (${THREADS} threads)`,
        // Each request to the next thread, as many clients writing to their own conversations.
        options: {
          url: base,
          requests: [{ method: 'POST', headers, body, setupRequest: (req) => ({ ...req, path: `/api/threads/${threads[spread++ % THREADS]}/messages` }) }],
        },
      },
      { name: 'POST /api/threads/:id/messages (one thread)', options: { url: `${base}/api/threads/${threads[0]}/messages`, method: 'POST', headers, body } },
    ];
    for (const c of cases) await load({ ...c.options, duration: 3, connections: 20 }); // warm-up
    const runs = cases.map(() => []);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [i, c] of cases.entries()) {
        const before = cpuMs(server.pid).total;
        const run = await load(c.options);
        run.cpuMsPerRequest = (cpuMs(server.pid).total - before) / Math.max(1, run.total);
        runs[i].push(run);
        log(`  ${c.name}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}, non-2xx ${run.non2xx}`);
      }
    }
    const thread = await api(key, `/api/threads/${threads[0]}`);
    const rss = peakRss(server.pid);
    const date = new Date().toISOString();
    const machineLine = machine();
    const rows = cases.map(
      (c, i) =>
        `| ${c.name} | ${range(runs[i], 'rps')} | ${range(runs[i], 'p50')} | ${range(runs[i], 'p99')} | ${range(runs[i], 'cpuMsPerRequest', 2)} | ${runs[i].reduce((a, r) => a + r.errors + r.non2xx, 0)} |`,
    );
    const table = [
      `REST under load, ${date.slice(0, 10)}, ${machineLine}: the server (dist/main.js) on the embedded FerretDB with ${STORED} sessions and ${STORED} messages stored; autocannon at ${CONNECTIONS} connections, ${DURATION} s a run, ${ROUNDS} rounds taken in turn after a 3 s warm-up; mean with the rounds' range. CPU per request counts the server and its FerretDB. Peak RSS ${rss} MiB.`,
      '',
      '| request | req/s | p50 ms | p99 ms | CPU ms per request | failed or non-2xx |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `Storing the data through the API (${SEED_CLIENTS} clients) took ${seedSeconds.toFixed(0)} s; ${seedRetries} of those calls were answered 503 (FerretDB's SQLite busy) and retried with their Idempotency-Key. The one thread took ${thread.messageCount} messages in all; its count is exact (appends to a thread are serialised).`,
      '',
    ].join('\n');
    writeResults('api', { date, machine: machineLine, stored: STORED, seedSeconds, seedRetries, connections: CONNECTIONS, cases: cases.map((c, i) => ({ name: c.name, runs: runs[i] })), peakRssMiB: rss, oneThreadMessageCount: thread.messageCount }, table);
    log(`\n${table}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
