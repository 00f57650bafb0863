// What the benchmarks share: the machine line, nearest-rank quantiles, what a process tree uses
// (from /proc), and writing their results.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

/** Nearest-rank q-quantile of ascending `sorted` values. */
export const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

/** Cores, CPU model, memory and Node version, as printed beside every table. */
export const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;

/** bench/results/<name>.json and .md. */
export function writeResults(name, json, markdown) {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), markdown);
}

/** A process and its descendants (a child that has gone is skipped). */
function processTree(pid) {
  const pids = [];
  const visit = (p) => {
    try {
      const kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      pids.push(p);
      for (const k of kids) visit(Number(k));
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return pids;
}

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** User + system CPU (ms) of a `/proc/…/stat` file: a process's or one of its threads'; 0 when gone. */
function statCpuMs(path) {
  const fields = read(path)?.split(') ')[1].split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10; // clock ticks of 10 ms
}

/** CPU time (user + system, ms) used so far by a process (`own`) and its descendants (FerretDB, workers). */
export function cpuMs(pid) {
  const [own = 0, ...children] = processTree(pid).map((p) => statCpuMs(`/proc/${p}/stat`));
  const rest = children.reduce((a, b) => a + b, 0);
  return { own, children: rest, total: own + rest };
}

/**
 * CPU time (ms) of a process's main thread and of its other threads (V8's garbage collector and
 * compiler helpers, libuv's pool): what a process's code costs, and what its allocations cost.
 */
export function threadCpuMs(pid) {
  let main = 0;
  let helpers = 0;
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    /* gone */
  }
  for (const tid of tasks) {
    const ms = statCpuMs(`/proc/${pid}/task/${tid}/stat`);
    if (Number(tid) === pid) main += ms;
    else helpers += ms;
  }
  return { main, helpers };
}

/** Peak resident memory of a process and its descendants (VmHWM, MiB). */
export function peakRss(pid, { children = true } = {}) {
  const kb = (children ? processTree(pid) : [pid]).reduce((sum, p) => sum + Number(/VmHWM:\s+(\d+)/.exec(read(`/proc/${p}/status`) ?? '')?.[1] ?? 0), 0);
  return Math.round(kb / 1024);
}

/** The median of `values` (any order). */
export const median = (values) => quantile([...values].sort((a, b) => a - b), 0.5);

/**
 * A figure measured in several passes: the median over the passes' medians, and their range, so
 * a reader sees how far one pass may stray (`1.23 ms (1.10–1.41 over 3 passes)`).
 */
export function spread(passMedians, digits = 2) {
  const sorted = [...passMedians].sort((a, b) => a - b);
  return {
    median: +median(sorted).toFixed(digits),
    min: +sorted[0].toFixed(digits),
    max: +sorted.at(-1).toFixed(digits),
    passes: sorted.length,
    text: `${median(sorted).toFixed(digits)} (${sorted[0].toFixed(digits)}–${sorted.at(-1).toFixed(digits)} over ${sorted.length} passes)`,
  };
}

/**
 * The time some upstream call of a run was in flight, from its steps: parallel calls' intervals
 * are merged, not added.
 */
export function inFlightMs(steps) {
  const spans = steps.map((s) => [new Date(s.endedAt).getTime() - s.latencyMs, new Date(s.endedAt).getTime()]).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = spans[0];
  for (const [a, b] of spans.slice(1)) {
    if (a > to) {
      total += to - from;
      [from, to] = [a, b];
    } else to = Math.max(to, b);
  }
  return total + (to - from);
}

export const BENCH_ADMIN_KEY = 'orx_bench_admin_key_0123456789abcdef';

/**
 * The built server on the embedded database in a temporary folder, with every provider pointed at
 * an upstream simulator of its own; `api` calls it with the admin key (a non-2xx throws) and
 * `close` stops both and removes the folder.
 */
export async function startBenchServer(name, env = {}) {
  const [{ createApp }, { AppConfig }, { simulatorProviderEnvironment }, { UpstreamSimulator }] = await Promise.all([
    import('../dist/app.factory.js'),
    import('../dist/config/app-config.js'),
    import('../dist/config/providers.config.js'),
    import('../dist-tools/simulator/simulator.js'),
  ]);
  const dataDir = mkdtempSync(join(tmpdir(), `orx-${name}-`));
  const sim = new UpstreamSimulator();
  const simUrl = await sim.listen(0);
  const app = await createApp(
    AppConfig.fromEnv({ ADMIN_API_KEY: BENCH_ADMIN_KEY, DATA_DIR: dataDir, LOG_LEVEL: 'warn', MAX_RUNS_PER_KEY: '1000', ...simulatorProviderEnvironment(simUrl), ...env }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const api = async (path, body) => {
    const res = await fetch(`${base}${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const close = async () => {
    await app.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { app, sim, base, api, close };
}

/**
 * The node flags the server runs with in production (`npm run start:prod`, the Docker image: V8's
 * heap settings), read from package.json so that the benchmarks measure the server as it is run.
 */
export function serverFlags() {
  const script = JSON.parse(readFileSync('package.json', 'utf8')).scripts['start:prod'];
  const flags = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/main\.js$/.exec(script);
  if (flags === null) throw new Error(`package.json start:prod is not "node [--flags] dist/main.js": ${script}`);
  return flags[1].trim().split(' ').filter(Boolean);
}
