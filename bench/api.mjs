// API benchmark: GET /api/sessions and POST /api/threads/:id/messages at 200 connections, on
// FerretDB with 10,000 sessions and 10,000 messages stored. `npm run bench:api`.
// The server is dist/main.js in its own process (a user key calls it) on a FerretDB the script
// starts; the data is stored straight into the database (documents as the server writes them:
// storing 10,000 messages through the API at the rate FerretDB takes them would take many
// minutes). autocannon drives the server, each measurement in ROUNDS rounds taken in turn, with
// their range printed beside the mean.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { ensureFerretDbBinary } from '../dist/database/ferretdb.binary.js';
import { FerretDbProcess } from '../dist/database/ferretdb.process.js';
import { cpuMs, machine, peakRss, serverFlags, writeResults } from './support.mjs';

const ADMIN = 'orx_bench_admin_key_0123456789abcdef';
const PORT = Number(process.env.BENCH_PORT ?? 18121);
const STORED = Number(process.env.BENCH_STORED ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
// A request that has not answered in this long counts as failed (autocannon's default is 10 s).
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT ?? 120);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const THREADS = 100;
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const base = `http://127.0.0.1:${PORT}`;

async function api(key, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function load(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, timeout: TIMEOUT_S, ...options }, (error, result) =>
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
  // A latency of a run in which no request finished is no figure.
  const values = runs.filter((r) => key === 'rps' || r.total > 0).map((r) => r[key]);
  if (values.length === 0) return 'none finished';
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return `${mean.toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
};

/** FerretDB on the bench's data folder and the server on it, both fresh (nothing left in flight). */
async function startStack(dataDir, port) {
  const db = await FerretDbProcess.start({ binary: await ensureFerretDbBinary(process.cwd()), dataDir, port });
  const uri = new URL(db.uri);
  uri.pathname = '/orchestratex_bench';
  const server = spawn(process.execPath, [...serverFlags(), 'dist/main.js'], {
    // The pool of the embedded database (8): this FerretDB is the script's own, reached by MONGODB_URI.
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, MONGODB_URI: uri.toString(), DB_MAX_POOL_SIZE: '8', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i += 1) {
    if (i > 600) throw new Error('the server did not start');
    if (await fetch(`${base}/health/ready`).then((r) => r.ok, () => false)) break;
    await sleep(200);
  }
  return {
    db,
    server,
    uri: uri.toString(),
    async stop() {
      server.kill('SIGKILL');
      await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
      await db.kill();
    },
  };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orx-api-bench-'));
  let stack = await startStack(dataDir);
  const dbPort = stack.db.port;
  const client = new MongoClient(stack.uri);
  try {
    const { key, ownerId } = await api(ADMIN, '/api/keys', { name: 'bench', role: 'user' });

    log(`storing ${STORED} sessions and ${STORED} messages in ${THREADS} threads…`);
    const seeded = Date.now();
    await client.connect();
    const database = client.db();
    const now = new Date();
    const settings = { maxIterations: 3, qualityThreshold: 8, costLimitUsd: null, preferredModels: [], excludedModels: [], defaultStrategy: 'improve' };
    for (let at = 0; at < STORED; at += 1000) {
      await database.collection('sessions').insertMany(
        Array.from({ length: Math.min(1000, STORED - at) }, (_, i) => ({ _id: new ObjectId(), ownerId, title: `session ${at + i}`, userId: null, status: 'active', settings, totalCostUsd: 0, lastActivityAt: now, endedAt: null, createdAt: now, updatedAt: now })),
      );
    }
    const session = await api(key, '/api/sessions', { title: 'the threads' });
    const threads = [];
    for (let i = 0; i < THREADS; i += 1) threads.push((await api(key, '/api/threads', { sessionId: session.id, title: `thread ${i}` })).id);
    const perThread = Math.ceil(STORED / THREADS);
    for (const thread of threads) {
      let parentId = null;
      const docs = Array.from({ length: perThread }, (_, i) => {
        const doc = { _id: new ObjectId(), ownerId, threadId: new ObjectId(thread), sessionId: new ObjectId(session.id), role: 'user', content: `message ${i}`, parentId, model: null, runId: null, inputTokens: null, outputTokens: null, costUsd: null, score: null, createdAt: now };
        parentId = doc._id;
        return doc;
      });
      await database.collection('messages').insertMany(docs);
      await database.collection('threads').updateOne({ _id: new ObjectId(thread) }, { $set: { messageCount: perThread, lastMessageId: parentId, lastMessageAt: now } });
    }
    const seedSeconds = (Date.now() - seeded) / 1000;
    log(`stored in ${seedSeconds.toFixed(0)} s`);

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
    // One request at a time first: what a single call costs on this much data.
    const single = {};
    for (const c of cases) {
      const url = c.options.requests ? `${base}/api/threads/${threads[1]}/messages` : c.options.url;
      const times = [];
      for (let i = 0; i < 5; i += 1) {
        const t0 = performance.now();
        const res = await fetch(url, { method: c.options.method ?? (c.options.requests ? 'POST' : 'GET'), headers, body: c.options.method || c.options.requests ? body : undefined });
        await res.arrayBuffer();
        times.push(performance.now() - t0);
      }
      single[c.name] = Math.round(times.sort((a, b) => a - b)[2]);
      log(`  ${c.name}: ${single[c.name]} ms one at a time (median of 5)`);
    }
    await client.close();
    const runs = cases.map(() => []);
    let rss = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [i, c] of cases.entries()) {
        // A fresh server and FerretDB for each run: what one run leaves in flight (a list request
        // takes over a second here) would otherwise still be worked off during the next.
        await stack.stop();
        stack = await startStack(dataDir, dbPort);
        await load({ ...c.options, duration: 2, connections: 10 }); // warm-up
        const cpu = () => cpuMs(stack.server.pid).total + cpuMs(stack.db.pid).total;
        const before = cpu();
        const run = await load(c.options);
        run.cpuMsPerRequest = (cpu() - before) / Math.max(1, run.total);
        rss = Math.max(rss, peakRss(stack.server.pid) + peakRss(stack.db.pid));
        runs[i].push(run);
        log(`  ${c.name}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}, non-2xx ${run.non2xx}`);
      }
    }
    await stack.stop();
    stack = await startStack(dataDir, dbPort);
    const thread = await api(key, `/api/threads/${threads[0]}`);
    const date = new Date().toISOString();
    const machineLine = machine();
    const rows = cases.map(
      (c, i) =>
        `| ${c.name} | ${range(runs[i], 'rps', 1)} | ${range(runs[i], 'p50')} | ${range(runs[i], 'p99')} | ${range(runs[i], 'cpuMsPerRequest', 2)} | ${runs[i].reduce((a, r) => a + r.errors + r.non2xx, 0)} |`,
    );
    const table = [
      `REST under load, ${date.slice(0, 10)}, ${machineLine}: the server (dist/main.js) on FerretDB 1.24 (SQLite) with ${STORED} sessions and ${STORED} messages stored; autocannon at ${CONNECTIONS} connections, ${DURATION} s a run (a request unanswered after ${TIMEOUT_S} s fails), each run on a freshly started server and FerretDB after a 2 s warm-up at 10 connections, ${ROUNDS} rounds taken in turn; mean with the rounds' range. One request at a time first: ${Object.entries(single).map(([k, v]) => `${k} ${v} ms`).join('; ')}. CPU per request counts the server and FerretDB. Peak RSS of both ${rss} MiB.`,
      '',
      '| request | req/s | p50 ms | p99 ms | CPU ms per request | failed or non-2xx |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `The one thread took ${thread.messageCount} messages in all (${perThread} stored before); its count is exact (appends to a thread are serialised).`,
      '',
    ].join('\n');
    writeResults('api', { date, machine: machineLine, stored: STORED, singleRequestMs: single, connections: CONNECTIONS, cases: cases.map((c, i) => ({ name: c.name, runs: runs[i] })), peakRssMiB: rss, oneThreadMessageCount: thread.messageCount }, table);
    log(`\n${table}`);
  } finally {
    await client.close().catch(() => undefined);
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
