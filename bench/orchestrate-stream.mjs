// `npm run bench:orchestrate-stream`: time to first byte and to the first answer token of a
// streamed `orchestratex/<strategy>` completion on /v1, against the whole run's time, with the
// simulator at the demo's latencies (150 ms to a first token, 15 ms a token, 60 tokens).
import { machine, median, quantile, startBenchServer, writeResults } from './support.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const STRATEGIES = ['route', 'improve', 'ensemble', 'council'];

async function timed(base, key, model) {
  const started = performance.now();
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Explain why the sky is blue' }] }),
  });
  let firstByte = null;
  let firstToken = null;
  let buffered = '';
  for await (const bytes of response.body) {
    firstByte ??= performance.now() - started;
    buffered += Buffer.from(bytes).toString('utf8');
    if (firstToken === null && /"content":"[^"]/.test(buffered)) firstToken = performance.now() - started;
  }
  return { firstByte, firstToken, total: performance.now() - started };
}

const server = await startBenchServer('orchestrate-stream');
try {
  server.sim.configure('*', { ttftMs: 150, tokenMs: 15, outputTokens: 60 });
  const { key } = await server.api('/api/keys', { name: 'bench', role: 'user' });
  const rows = [];
  for (const strategy of STRATEGIES) {
    const samples = [];
    for (let i = 0; i < RUNS; i += 1) samples.push(await timed(server.base, key, `orchestratex/${strategy}`));
    const of = (field) => samples.map((s) => s[field]).sort((a, b) => a - b);
    rows.push({
      strategy,
      runs: RUNS,
      firstByteMs: { p50: median(of('firstByte')), p95: quantile(of('firstByte'), 0.95) },
      firstTokenMs: { p50: median(of('firstToken')), p95: quantile(of('firstToken'), 0.95) },
      totalMs: { p50: median(of('total')), p95: quantile(of('total'), 0.95) },
    });
  }
  const ms = (v) => `${Math.round(v)} ms`;
  const markdown = [
    `Streamed orchestratex/<strategy> on /v1 (${RUNS} runs each, one at a time; simulator: 150 ms to a first token, 15 ms a token, 60 tokens). ${machine()}.`,
    '',
    '| model | first byte p50 / p95 | first answer token p50 / p95 | whole run p50 / p95 |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| orchestratex/${r.strategy} | ${ms(r.firstByteMs.p50)} / ${ms(r.firstByteMs.p95)} | ` +
        `${ms(r.firstTokenMs.p50)} / ${ms(r.firstTokenMs.p95)} | ${ms(r.totalMs.p50)} / ${ms(r.totalMs.p95)} |`,
    ),
    '',
  ].join('\n');
  process.stdout.write(markdown);
  writeResults('orchestrate-stream', { machine: machine(), rows }, markdown);
} finally {
  await server.close();
}
