// `npm run eval`: the questions of eval/questions.json through every strategy the server offers and
// through the best single model; prints accuracy, cost, latency and calls per strategy and writes
// the table to eval/results/<target>.md (and every answer to <target>.json).
//
//   npm run eval                        the providers this environment configures (real keys)
//   npm run eval -- --target local      SmolLM2-135M on node-llama-cpp (downloaded on first use)
//   npm run eval -- --target simulator  the upstream simulator: plumbing only, its answers are not a model's
//   --limit N  --strategies route,council  --set maxTokens=256 (repeatable)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import vm from 'node:vm';

const root = resolve(import.meta.dirname, '..');

function parseArgs(argv) {
  const args = { target: 'env', limit: Infinity, strategies: null, set: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--target') args.target = value;
    else if (flag === '--limit') args.limit = Number(value);
    else if (flag === '--strategies') args.strategies = value.split(',');
    else if (flag === '--set') {
      const [k, v] = value.split('=');
      args.set[k] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
    } else throw new Error(`unknown argument ${flag} (see the top of eval/run.mjs)`);
    i += 1;
  }
  if (!['env', 'local', 'simulator'].includes(args.target)) throw new Error('--target: env, local or simulator');
  if (!(args.limit > 0)) throw new Error('--limit: a number of questions, 1 or more');
  return args;
}

/** Small enough for a 135M model on one CPU thread (a run of each strategy takes seconds, not minutes). */
const LOCAL_OPTIONS = { maxTokens: 256, proposers: 2, evaluators: 1, maxIterations: 2, rounds: 1 };

const INSTRUCTIONS = {
  arithmetic: '\n\nWork it out, then give the final number on the last line as: Answer: <number>',
  fact: '\n\nGive the final answer on the last line as: Answer: <answer>',
  code: '\n\nReply with the complete function in one ```javascript code block.',
};

// ---- checking answers -------------------------------------------------------------------------

const normal = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The text after the last "Answer:", else the last non-empty line. */
function finalLine(text) {
  const marked = [...text.matchAll(/answer\s*[:=]\s*(.+)/gi)].at(-1);
  if (marked) return marked[1];
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? ''
  );
}

function checkArithmetic(text, expected) {
  const numbers = finalLine(text).replace(/(\d),(\d{3})/g, '$1$2').match(/-?\d+(?:\.\d+)?/g);
  const got = numbers ? Number(numbers.at(-1)) : NaN;
  return { correct: Math.abs(got - expected) < 1e-9, got: Number.isNaN(got) ? null : got };
}

function checkFact(text, accepted) {
  const line = ` ${normal(finalLine(text))} `;
  return { correct: accepted.some((a) => line.includes(` ${normal(a)} `)), got: finalLine(text).slice(0, 80) };
}

/**
 * The model's code run in a fresh node:vm context (no require, no process), one second a call.
 * Not a sandbox against hostile code: run the harness where you would run the models' code.
 */
function checkCode(text, fn, tests) {
  const blocks = [...text.matchAll(/```[a-zA-Z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const code of [...blocks.reverse(), text]) {
    try {
      const context = vm.createContext({});
      vm.runInContext(`${code}\n;globalThis.__fn = typeof ${fn} === 'function' ? ${fn} : undefined;`, context, {
        timeout: 1000,
      });
      if (typeof context.__fn !== 'function') continue;
      const passed = tests.filter(([input, expected]) => {
        context.__args = input;
        try {
          const out = vm.runInContext('__fn(...__args)', context, { timeout: 1000 });
          return JSON.stringify(out) === JSON.stringify(expected);
        } catch {
          return false;
        }
      }).length;
      return { correct: passed === tests.length, got: `${passed}/${tests.length} tests` };
    } catch {
      // not runnable: the next block
    }
  }
  return { correct: false, got: `no function ${fn}` };
}

function check(question, text) {
  if (typeof text !== 'string') return { correct: false, got: null };
  if (question.kind === 'arithmetic') return checkArithmetic(text, question.answer);
  if (question.kind === 'fact') return checkFact(text, question.answer);
  return checkCode(text, question.function, question.tests);
}

// ---- the server and its upstream --------------------------------------------------------------

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function startUpstream(target) {
  if (target === 'simulator') {
    const { UpstreamSimulator } = await import(join(root, 'dist-tools/simulator/simulator.js'));
    const { simulatorProviderEnvironment } = await import(join(root, 'dist/config/providers.config.js'));
    const sim = new UpstreamSimulator();
    const url = await sim.listen(0);
    return { env: simulatorProviderEnvironment(url), close: () => sim.close(), figures: () => null };
  }
  if (target === 'local') {
    const { startLocalModel, localProvidersFile } = await import(join(root, 'dist-tools/local-model/local-model.js'));
    const { LOCAL_MODEL_TIMEOUTS } = await import(join(root, 'dist-tools/simulator/settings.js'));
    const { server, url } = await startLocalModel({ log: (line) => process.stderr.write(`${line}\n`) });
    const file = join(root, '.cache/eval/providers.local.json');
    mkdirSync(join(root, '.cache/eval'), { recursive: true });
    writeFileSync(file, JSON.stringify(localProvidersFile(url)));
    return {
      env: { PROVIDERS_FILE: file, ...LOCAL_MODEL_TIMEOUTS },
      close: () => server.close(),
      figures: () => ({ ...server.stats, tokensPerSecond: server.tokensPerSecond() }),
    };
  }
  return { env: {}, close: async () => undefined, figures: () => null };
}

async function startServer(upstreamEnv) {
  const port = await freePort();
  const adminKey = `orx_eval_${randomBytes(16).toString('hex')}`;
  const dataDir = join(root, `.cache/eval/data-${process.pid}`);
  const env = { ...process.env, ...upstreamEnv, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: adminKey };
  env.DATA_DIR = dataDir;
  env.LOG_LEVEL = 'warn';
  delete env.MONGODB_URI; // a database of its own (embedded), never the user's
  const child = spawn(process.execPath, [join(root, 'dist/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    const ready = await fetch(`${base}/health/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (i > 600) throw new Error('the server was not ready within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    adminKey,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function api(base, key, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// ---- the table --------------------------------------------------------------------------------

const money = (usd) => (usd === null ? 'unknown' : `$${usd.toFixed(usd < 0.01 ? 6 : 4)}`);

function summarise(name, results) {
  const correct = results.filter((r) => r.correct).length;
  const known = results.every((r) => r.costUsd !== null);
  const cost = known ? results.reduce((n, r) => n + r.costUsd, 0) : null;
  const byKind = (kind) => {
    const of = results.filter((r) => r.kind === kind);
    return `${of.filter((r) => r.correct).length}/${of.length}`;
  };
  return {
    strategy: name,
    questions: results.length,
    correct,
    accuracy: results.length ? correct / results.length : 0,
    arithmetic: byKind('arithmetic'),
    code: byKind('code'),
    fact: byKind('fact'),
    costUsd: cost,
    costPerCorrectUsd: cost === null || correct === 0 ? null : cost / correct,
    meanLatencyS: results.reduce((n, r) => n + r.latencyMs, 0) / Math.max(1, results.length) / 1000,
    calls: results.reduce((n, r) => n + r.calls, 0),
    failedRuns: results.filter((r) => r.status !== 'succeeded').length,
  };
}

function table(rows) {
  const head =
    '| strategy | accuracy | arithmetic | code | facts | cost | cost per correct | mean latency | calls | runs not succeeded |\n' +
    '|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.strategy} | ${(100 * r.accuracy).toFixed(0)}% (${r.correct}/${r.questions}) | ${r.arithmetic} | ${r.code} | ` +
      `${r.fact} | ${money(r.costUsd)} | ${r.costPerCorrectUsd === null ? '—' : money(r.costPerCorrectUsd)} | ` +
      `${r.meanLatencyS.toFixed(1)} s | ${r.calls} (${(r.calls / Math.max(1, r.questions)).toFixed(1)} a question) | ${r.failedRuns} |`,
  );
  return [head, ...lines].join('\n');
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { questions } = JSON.parse(readFileSync(join(root, 'eval/questions.json'), 'utf8'));
  const chosen = questions.slice(0, args.limit);
  const upstream = await startUpstream(args.target);
  const server = await startServer(upstream.env);
  try {
    const user = await api(server.base, server.adminKey, 'POST', '/api/keys', { name: 'eval', role: 'user' });
    const session = await api(server.base, user.key, 'POST', '/api/sessions', { title: `eval ${args.target}` });
    const { data: strategies } = await api(server.base, user.key, 'GET', '/api/orchestrate/strategies');
    const models = (await api(server.base, user.key, 'GET', '/api/models?available=true')).filter((m) =>
      m.roles.includes('primary'),
    );
    if (models.length === 0) {
      throw new Error('no model is available: set provider keys, or use --target local or --target simulator');
    }
    // The best single model by the catalogue's quality prior: the baseline every strategy is held to.
    const best = [...models].sort((a, b) => b.qualityPrior - a.qualityPrior)[0];
    const options = { ...(args.target === 'local' ? LOCAL_OPTIONS : {}), ...args.set };
    const runs = [
      { name: `single (${best.id})`, strategy: 'route', read: [...strategies[0].commonOptions], models: [best.id] },
      ...strategies.map((s) => ({ name: s.name, strategy: s.name, read: [...s.commonOptions, ...s.options.map((o) => o.name)] })),
    ].filter((r) => args.strategies === null || args.strategies.includes(r.strategy) || (r.models && args.strategies.includes('single')));
    const local = args.target === 'local' ? { models: models.map((m) => m.id) } : {};

    process.stderr.write(
      `eval: ${chosen.length} questions × ${runs.length} (${runs.map((r) => r.name).join(', ')}) on ${args.target}` +
        (args.target === 'simulator' ? ' — plumbing only: the simulator answers in deterministic filler text' : '') +
        '\n',
    );
    const rows = [];
    const answers = [];
    for (const run of runs) {
      const results = [];
      for (const q of chosen) {
        const body = {
          sessionId: session.id,
          prompt: q.question + INSTRUCTIONS[q.kind],
          strategy: run.strategy,
          ...local,
          ...(run.models ? { models: run.models } : {}),
          ...Object.fromEntries(Object.entries(options).filter(([k]) => run.read.includes(k))),
        };
        const started = Date.now();
        // A run the server refuses (too few models for the strategy, a limit) counts as not answered.
        const r = await api(server.base, user.key, 'POST', '/api/orchestrate?wait=true', body).catch((error) => ({
          status: `refused: ${error.message}`,
          answer: null,
          totals: { calls: 0, costUsd: 0, unknownCostCalls: 0 },
        }));
        const latencyMs = Date.now() - started;
        const verdict = check(q, r.answer);
        const result = {
          id: q.id,
          kind: q.kind,
          status: r.status,
          correct: verdict.correct,
          got: verdict.got,
          calls: r.totals.calls,
          costUsd: r.totals.unknownCostCalls > 0 ? null : r.totals.costUsd,
          latencyMs,
        };
        results.push(result);
        answers.push({ strategy: run.name, ...result, runId: r.id, answer: r.answer });
        process.stderr.write(`  ${run.name} ${q.id}: ${verdict.correct ? 'correct' : 'wrong'} (${verdict.got}) ${latencyMs} ms\n`);
      }
      rows.push(summarise(run.name, results));
    }

    const figures = upstream.figures();
    const title =
      args.target === 'local'
        ? 'SmolLM2-135M-Instruct (Q4_1, node-llama-cpp, one CPU thread) under two sampler names: a 135M-parameter model’s numbers'
        : args.target === 'simulator'
          ? 'The upstream simulator: plumbing only (its answers are filler text, not a model’s; accuracy means nothing here)'
          : `The providers this environment configures (${models.length} available models)`;
    const markdown = [
      `# Evaluation: ${title}`,
      '',
      `${chosen.length} questions of eval/questions.json (${['arithmetic', 'code', 'fact'].map((k) => `${chosen.filter((q) => q.kind === k).length} ${k}`).join(', ')}), ` +
        `run one at a time on ${new Date().toISOString().slice(0, 10)}. Options: ${JSON.stringify(options)}` +
        (local.models ? `; models: ${local.models.join(', ')}` : '') +
        '.',
      '',
      table(rows),
      '',
      figures
        ? `Local model: ${figures.completionTokens} tokens generated in ${(figures.generationMs / 1000).toFixed(0)} s ` +
          `(${figures.tokensPerSecond.toFixed(1)} tokens/s), ${figures.requests} requests, ${figures.schemaRequests} with a JSON schema.`
        : '',
      '',
    ].join('\n');
    mkdirSync(join(root, 'eval/results'), { recursive: true });
    writeFileSync(join(root, `eval/results/${args.target}.md`), markdown);
    writeFileSync(join(root, `eval/results/${args.target}.json`), `${JSON.stringify({ rows, answers, figures }, null, 2)}\n`);
    process.stdout.write(`${markdown}\nWritten to eval/results/${args.target}.md and .json\n`);
  } finally {
    await server.stop();
    await upstream.close();
  }
}

main().catch((error) => {
  process.stderr.write(`eval failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
