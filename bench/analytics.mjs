// Analytics benchmark: seeds usage records and their rollups, then times every analytics
// endpoint over a 30-day range through HTTP. Run with `npm run bench:analytics`
// (BENCH_RECORDS, default 1,000,000; MONGODB_URI to use a MongoDB instead of a fresh FerretDB).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../dist/app.factory.js';
import { AppConfig } from '../dist/config/app-config.js';
import { ensureFerretDbBinary } from '../dist/database/ferretdb.binary.js';
import { FerretDbProcess } from '../dist/database/ferretdb.process.js';
import { callIncrements, mergeIncrement, runIncrements } from '../dist/analytics/rollup-increments.js';
import { usageDocument } from '../dist/analytics/usage-document.js';
import { CURATED_MODELS } from '../dist/models/curated-models.js';
import { RollupStore } from '../dist/analytics/rollup-store.js';
import { DOMAINS } from '../dist/common/domains.js';
import { machine, quantile, writeResults } from './support.mjs';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const OWNERS = 10;
const SESSIONS_PER_OWNER = 200;
const DAYS = 30;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const DB_REPEATS = Number(process.env.BENCH_DB_REPEATS ?? 5);
const ADMIN = 'orx_bench_admin_key_0123456789abcdef';
const STRATEGIES = ['route', 'improve', 'ensemble', 'cascade', 'compare'];
const ROLES = ['primary', 'evaluator', 'refiner', 'proposer', 'aggregator'];
const FAILURES = ['rate_limited', 'timeout', 'upstream_5xx', 'network'];

// mulberry32: a small deterministic generator, so two runs seed the same data.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  let db;
  let dataDir;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'orx-bench-'));
    const binary = await ensureFerretDbBinary(process.cwd());
    db = await FerretDbProcess.start({ binary, dataDir });
    uri = `mongodb://127.0.0.1:${db.port}/orx_bench`;
  }
  const startServer = async (cache) => {
    const config = AppConfig.fromEnv({ MONGODB_URI: uri, ADMIN_API_KEY: ADMIN, LOG_LEVEL: 'warn', USAGE_FLUSH_INTERVAL_MS: '600000', ANALYTICS_CACHE: cache });
    const server = await createApp(config);
    await server.listen({ port: 0, host: '127.0.0.1' });
    return { server, base: (await server.getUrl()).replace('[::1]', '127.0.0.1') };
  };
  let { server: app, base } = await startServer('false');
  const api = async (path, key = ADMIN, init = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  try {
    // Owners are real API keys, so the user-key queries are scoped exactly like production ones.
    const owners = [];
    for (let i = 0; i < OWNERS; i += 1) owners.push(await api('/api/keys', ADMIN, { method: 'POST', body: JSON.stringify({ name: `bench-${i}`, role: 'user' }) }));
    const sessions = owners.map(() => Array.from({ length: SESSIONS_PER_OWNER }, () => ({ id: hex(24), day: Math.floor(random() * DAYS) })));
    // One real session, so GET /api/analytics/sessions/:id finds it (the others exist only in the usage data).
    sessions[0][0].id = (await api('/api/sessions', owners[0].key, { method: 'POST', body: JSON.stringify({ title: 'bench' }) })).id;
    const models = CURATED_MODELS.map((m) => ({ modelId: `${m.provider}/${m.model}`, provider: m.provider }));
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());

    log(`Seeding ${RECORDS.toLocaleString('en')} usage records (${OWNERS} owners, ${models.length} models, ${DAYS} days)…`);
    const connection = app.get((await import('@nestjs/mongoose')).getConnectionToken());
    const usage = connection.collection('usage');
    const pending = new Map();
    const started = performance.now();
    const BATCH = 10_000;
    let batch = [];
    for (let i = 0; i < RECORDS; i += 1) {
      const o = Math.floor(random() * OWNERS);
      const session = pick(sessions[o]);
      const model = pick(models);
      const failed = random() < 0.02;
      const latencyMs = Math.round(150 + random() * random() * 6000);
      const at = new Date(today - session.day * 86_400_000 + Math.floor(random() * 86_400_000));
      const call = {
        ownerId: owners[o].ownerId,
        sessionId: session.id,
        threadId: null,
        runId: null,
        stepId: null,
        role: pick(ROLES),
        strategy: pick(STRATEGIES),
        provider: model.provider,
        modelId: model.modelId,
        domain: pick(DOMAINS),
        usage: failed ? null : { inputTokens: 200 + Math.floor(random() * 3000), outputTokens: 50 + Math.floor(random() * 800), cachedInputTokens: 0, reasoningTokens: 0 },
        costUsd: random() < 0.03 ? null : failed ? 0 : random() * 0.02,
        latencyMs,
        ttftMs: failed ? null : Math.round(latencyMs * 0.2),
        status: failed ? 'failed' : 'succeeded',
        errorClass: failed ? pick(FAILURES) : null,
        at,
      };
      batch.push(usageDocument(call, at));
      for (const increment of callIncrements(call, at)) mergeIncrement(pending, increment);
      if (i % 10 === 0) {
        const answers = [{ ...model, score: 1 + random() * 9 }];
        const outcome = { ownerId: call.ownerId, strategy: call.strategy, status: pick(['succeeded', 'succeeded', 'succeeded', 'failed', 'budget_exceeded']), domain: call.domain, iterations: 1 + Math.floor(random() * 3), firstScore: 5 + random() * 3, finalScore: 6 + random() * 4, thresholdMet: random() < 0.6, costUsd: random() * 0.05, durationMs: 500 + Math.floor(random() * 20_000), endedAt: at, primaryModels: [model], finalModel: model, answers, improvements: [] };
        for (const increment of runIncrements(outcome)) mergeIncrement(pending, increment);
      }
      if (batch.length === BATCH) {
        await usage.insertMany(batch, { ordered: false });
        batch = [];
        if ((i + 1) % 100_000 === 0) log(`  ${(i + 1).toLocaleString('en')} records (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
    if (batch.length > 0) await usage.insertMany(batch, { ordered: false });
    const rawSeconds = (performance.now() - started) / 1000;

    // The rollups as the recorder's $inc upserts leave them, written in bulk.
    const collections = { usage: 'usage_rollups', model: 'model_rollups', session: 'session_rollups', run: 'run_rollups' };
    const docs = { usage: [], model: [], session: [], run: [] };
    for (const entry of pending.values()) {
      const doc = { _id: entry.id, ...entry.set };
      for (const [path, value] of Object.entries(entry.inc)) {
        const [group, field] = path.split('.');
        (doc[group] ??= {})[field] = value;
      }
      docs[entry.rollup].push(doc);
    }
    for (const [rollup, list] of Object.entries(docs)) {
      for (let i = 0; i < list.length; i += BATCH) await connection.collection(collections[rollup]).insertMany(list.slice(i, i + BATCH), { ordered: false });
    }
    const seeded = (performance.now() - started) / 1000;
    log(`Seeded in ${seeded.toFixed(0)} s (raw records ${rawSeconds.toFixed(0)} s); rollup documents: ${Object.entries(docs).map(([k, v]) => `${k} ${v.length}`).join(', ')}`);

    const user = owners[0];
    const aSession = sessions[0][0].id;
    const queries = [
      ['usage?groupBy=day', user.key],
      ['usage?groupBy=provider', user.key],
      ['usage?groupBy=model', user.key],
      ['usage?groupBy=session', user.key],
      ['usage?groupBy=strategy', user.key],
      ['costs', user.key],
      ['models', user.key],
      ['models?domain=coding', user.key],
      ['orchestration', user.key],
      [`sessions/${aSession}`, user.key],
      ['usage?groupBy=model', ADMIN],
      ['costs', ADMIN],
      ['models', ADMIN],
    ];
    const results = [];
    const measure = async (source, repeats, warmup) => {
      for (const [query, key] of queries) {
        const path = `/api/analytics/${query}`;
        for (let i = 0; i < warmup; i += 1) await api(path, key);
        const times = [];
        for (let i = 0; i < repeats; i += 1) {
          const t0 = performance.now();
          await api(path, key);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)];
        const p95 = quantile(times, 0.95);
        results.push({ endpoint: `GET ${path}`, as: key === ADMIN ? 'admin (all owners)' : 'user (one owner)', source, repeats, medianMs: +median.toFixed(1), p95Ms: +p95.toFixed(1) });
        log(`  ${source.padEnd(9)} ${results.at(-1).endpoint.padEnd(48)} ${results.at(-1).as.padEnd(20)} median ${median.toFixed(1).padStart(8)} ms   p95 ${p95.toFixed(1).padStart(8)} ms`);
      }
    };

    // The rollups were written behind the server's back: start afresh so the in-memory copy loads them.
    await app.close();
    ({ server: app, base } = await startServer('true'));
    const loadStarted = performance.now();
    await app.get(RollupStore).whenLoaded();
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    log(`In-memory copy of the rollups loaded in ${loadSeconds.toFixed(1)} s`);
    await measure('memory', REPEATS, WARMUP);
    await app.close();
    ({ server: app, base } = await startServer('false'));
    await measure('database', DB_REPEATS, 1);

    const machineLine = `${machine()}, ${process.env.MONGODB_URI ? 'MongoDB' : 'FerretDB 1.24.2 (SQLite)'}`;
    const summary = { date: new Date().toISOString(), machine: machineLine, records: RECORDS, owners: OWNERS, days: DAYS, seedSeconds: +seeded.toFixed(1), cacheLoadSeconds: +loadSeconds.toFixed(1), rollupDocuments: Object.fromEntries(Object.entries(docs).map(([k, v]) => [k, v.length])), results };
    const table = [
      `Analytics endpoints over a 30-day range, ${RECORDS.toLocaleString('en')} usage records, ${summary.date.slice(0, 10)}, ${machineLine}`,
      '',
      `Rollup documents: ${Object.entries(summary.rollupDocuments).map(([k, v]) => `${k} ${v}`).join(', ')}; in-memory copy loaded in ${summary.cacheLoadSeconds} s at start.`,
      '',
      '| endpoint | key | read from | runs | median | p95 |',
      '|---|---|---|---:|---:|---:|',
      ...results.map((r) => `| \`${r.endpoint}\` | ${r.as} | ${r.source} | ${r.repeats} | ${r.medianMs} ms | ${r.p95Ms} ms |`),
      '',
    ].join('\n');
    writeResults('analytics', summary, table);
    log(`\n${table}`);
  } finally {
    await app.close();
    await db?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
