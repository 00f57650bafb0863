// Growth benchmark: how the engine's own time per model call, a run's start and an event replay
// grow with the data stored, on the embedded database (FerretDB 1.24 on SQLite, which indexes
// only filters that are exactly { _id }). At each size the collections a run touches (runs,
// run_events, messages, threads, sessions, usage) hold that many runs of another owner, cloned
// from real runs made first; then route and improve runs are timed against a 0 ms simulator.
// `npm run bench:growth` (BENCH_SIZES=1000,10000,50000 by default).
import { getConnectionToken } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { inFlightMs, machine, median, startBenchServer, writeResults } from './support.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const BATCH = 500;
const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  const { app, api, close } = await startBenchServer('growth');
  const db = app.get(getConnectionToken()).db;
  const models = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];
  const rows = [];
  try {
    const sessionId = (await api('/api/sessions', { title: 'growth bench' })).id;
    const measure = async (label) => {
      const perCall = { route: [], improve: [] };
      const starts = [];
      const replays = [];
      for (let i = 0; i < RUNS; i += 1) {
        for (const strategy of ['route', 'improve']) {
          const t0 = performance.now();
          const started = await api('/api/orchestrate', { sessionId, prompt: `Explain item ${label}.${i} briefly`, strategy, models, ...(strategy === 'improve' && { maxIterations: 2 }) });
          starts.push(performance.now() - t0);
          let run = await api(`/api/orchestrate/runs/${started.runId}`);
          while (run.endedAt === null) {
            await new Promise((r) => setTimeout(r, 25));
            run = await api(`/api/orchestrate/runs/${started.runId}`);
          }
          const duration = new Date(run.endedAt).getTime() - new Date(run.createdAt).getTime();
          perCall[strategy].push((duration - inFlightMs(run.steps)) / run.steps.length);
          const t1 = performance.now();
          await api(`/api/orchestrate/runs/${started.runId}/events?after=0`);
          replays.push(performance.now() - t1);
        }
      }
      const row = {
        storedRuns: label,
        routeMsPerCall: +median(perCall.route).toFixed(2),
        improveMsPerCall: +median(perCall.improve).toFixed(2),
        startMs: +median(starts).toFixed(2),
        replayMs: +median(replays).toFixed(2),
      };
      rows.push(row);
      log(`${label} stored runs: engine ${row.routeMsPerCall} ms (route) / ${row.improveMsPerCall} ms (improve) per call; POST /api/orchestrate ${row.startMs} ms; event replay ${row.replayMs} ms (medians of ${RUNS})`);
    };

    await measure(0);
    // What one run leaves in each collection, cloned under new ids for a filler owner.
    const runs = await db.collection('runs').find({ ownerId: { $ne: 'filler' } }).toArray();
    const events = await db.collection('run_events').find({ runId: { $in: runs.map((r) => r._id) } }).toArray();
    const messages = await db.collection('messages').find({ runId: { $in: runs.map((r) => r._id) } }).toArray();
    const prompts = await db.collection('messages').find({ _id: { $in: runs.map((r) => r.promptMessageId) } }).toArray();
    const usage = await db.collection('usage').find({ runId: { $in: runs.map((r) => r._id.toHexString()) } }).toArray();
    const thread = await db.collection('threads').findOne({});
    const session = await db.collection('sessions').findOne({});
    let stored = 0;
    const seedTo = async (target) => {
      const started = performance.now();
      while (stored < target) {
        const batch = { runs: [], run_events: [], messages: [], usage: [], threads: [], sessions: [] };
        for (let i = 0; i < BATCH && stored < target; i += 1, stored += 1) {
          const template = runs[stored % runs.length];
          const runId = new Types.ObjectId();
          const threadId = new Types.ObjectId();
          const sessionId = new Types.ObjectId();
          const promptId = new Types.ObjectId();
          const ids = { ownerId: 'filler', sessionId, threadId };
          batch.sessions.push({ ...session, _id: sessionId, ownerId: 'filler' });
          batch.threads.push({ ...thread, _id: threadId, ownerId: 'filler', sessionId });
          const prompt = prompts.find((m) => m._id.equals(template.promptMessageId));
          if (prompt) batch.messages.push({ ...prompt, ...ids, _id: promptId });
          for (const m of messages.filter((m) => m.runId.equals(template._id))) batch.messages.push({ ...m, ...ids, _id: new Types.ObjectId(), runId, parentId: promptId });
          batch.runs.push({ ...template, ...ids, _id: runId, promptMessageId: promptId });
          for (const e of events.filter((e) => e.runId.equals(template._id))) batch.run_events.push({ ...e, _id: new Types.ObjectId(), runId, ownerId: 'filler' });
          for (const u of usage.filter((u) => u.runId === template._id.toHexString())) batch.usage.push({ ...u, _id: new Types.ObjectId(), ownerId: 'filler', runId: runId.toHexString() });
        }
        for (const [name, docs] of Object.entries(batch)) if (docs.length > 0) await db.collection(name).insertMany(docs, { ordered: false });
      }
      log(`stored ${target} runs (${((performance.now() - started) / 1000).toFixed(0)} s to add them)`);
    };
    for (const size of SIZES) {
      await seedTo(size);
      await measure(size);
    }

    const date = new Date().toISOString();
    const table = [
      `Engine time against stored data, ${date.slice(0, 10)}, ${machine()}, FerretDB 1.24.2 (SQLite); simulator at 0 ms; medians of ${RUNS} runs a strategy per row. Each stored run brings its events, messages, thread, session and usage records.`,
      '',
      '| stored runs | engine ms per call, route | engine ms per call, improve | POST /api/orchestrate ms | GET …/events (replay) ms |',
      '|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.storedRuns} | ${r.routeMsPerCall} | ${r.improveMsPerCall} | ${r.startMs} | ${r.replayMs} |`),
      '',
    ].join('\n');
    writeResults('growth', { date, machine: machine(), rows }, table);
    log(`\n${table}`);
  } finally {
    await close();
  }
}

main().catch((error) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
