// Engine benchmark: the orchestration engine's own time per model call (run duration minus the
// time some upstream call was in flight, parallel calls merged, over route and improve runs against
// a 0 ms simulator, in 3 passes with their spread), and Socket.IO fan-out:
// 1,000 clients subscribed to one session, the latency from an event's timestamp to its arrival.
// `npm run bench:engine`.
import { io } from 'socket.io-client';
import { BENCH_ADMIN_KEY, inFlightMs, machine, median, quantile, spread, startBenchServer, writeResults } from './support.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 99);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  const { sim, base, api, close } = await startBenchServer('engine');
  const sockets = [];
  try {
    const sessionId = (await api('/api/sessions', { title: 'engine bench' })).id;
    const models = ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5', 'mistral/mistral-small-2603'];
    const overhead = {};
    for (const strategy of ['route', 'improve']) {
      const passes = [];
      const all = [];
      for (let pass = 0; pass < PASSES; pass += 1) {
        const perCall = [];
        for (let i = 0; i < Math.ceil(RUNS / PASSES) + (pass === 0 ? 5 : 0); i += 1) {
          const run = await api('/api/orchestrate?wait=true', { sessionId, prompt: `Explain item ${pass}.${i} briefly`, strategy, models, ...(strategy === 'improve' && { maxIterations: 2 }) });
          const duration = new Date(run.endedAt).getTime() - new Date(run.createdAt).getTime();
          if (pass > 0 || i >= 5) perCall.push((duration - inFlightMs(run.steps)) / run.steps.length);
        }
        passes.push(median(perCall));
        all.push(...perCall);
      }
      all.sort((a, b) => a - b);
      const figure = spread(passes);
      overhead[strategy] = { runs: all.length, medianMsPerCall: figure.median, spread: figure, p95MsPerCall: +quantile(all, 0.95).toFixed(2) };
      log(`engine ${strategy}: ${figure.text} ms per model call (median), p95 ${overhead[strategy].p95MsPerCall} ms`);
    }

    log(`connecting ${CLIENTS} Socket.IO clients…`);
    const latencies = [];
    let received = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, () => new Promise((resolve, reject) => {
        const socket = io(`${base}/orchestration`, { auth: { token: BENCH_ADMIN_KEY }, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(socket);
        socket.onAny((_type, event) => {
          latencies.push(Date.now() - new Date(event.at).getTime());
          received += 1;
        });
        socket.once('connect', () => socket.emitWithAck('subscribe', { sessionId }).then(resolve, reject));
        socket.once('connect_error', reject);
      })),
    );
    sim.configure('*', { tokenMs: 5, outputTokens: 60 });
    const run = await api('/api/orchestrate?wait=true', { sessionId, prompt: 'A longer answer, streamed', strategy: 'improve', models, maxIterations: 2 });
    const events = (await api(`/api/orchestrate/runs/${run.id}/events`)).length;
    const until = Date.now() + 10_000;
    while (received < events * CLIENTS && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    latencies.sort((a, b) => a - b);
    const fanout = { clients: CLIENTS, eventsPerClient: events, delivered: received, expected: events * CLIENTS, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: latencies.at(-1) };
    log(`fan-out: ${received}/${events * CLIENTS} events to ${CLIENTS} clients; latency p50 ${fanout.p50Ms} ms, p99 ${fanout.p99Ms} ms, max ${fanout.maxMs} ms`);

    const machineLine = `${machine()}, FerretDB 1.24.2 (SQLite)`;
    const date = new Date().toISOString();
    const table = [
      `Engine and live events, ${date.slice(0, 10)}, ${machineLine}; simulator at 0 ms (fan-out run: 5 ms a token).`,
      '',
      '| measure | median | p95 / p99 |',
      '|---|---:|---:|',
      `| engine time per model call, route (${overhead.route.runs} runs) | ${overhead.route.spread.text} ms | p95 ${overhead.route.p95MsPerCall} ms |`,
      `| engine time per model call, improve (${overhead.improve.runs} runs) | ${overhead.improve.spread.text} ms | p95 ${overhead.improve.p95MsPerCall} ms |`,
      `| Socket.IO event latency, ${CLIENTS} subscribed clients, ${received}/${events * CLIENTS} events delivered | ${fanout.p50Ms} ms | p99 ${fanout.p99Ms} ms |`,
      '',
    ].join('\n');
    writeResults('engine', { date, machine: machineLine, overhead, fanout }, table);
    log(`\n${table}`);
  } finally {
    for (const s of sockets) s.disconnect();
    await close();
  }
}

main().catch((error) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
