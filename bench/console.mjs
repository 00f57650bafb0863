// `npm run bench:console`: what the console costs a browser. The gzipped JavaScript and CSS the
// build writes (the budget: under 300 kB of JavaScript), and how soon each page is interactive in
// Debian's Chromium on this machine, from the browser's own timings: domInteractive and first
// contentful paint from the Navigation and Paint Timing APIs, and "ready" = performance.now() when
// the page shows its data (the app rendered it from the API's answers, its controls live). Each
// page is loaded LOADS times in a fresh browser context (cold cache), the key in sessionStorage as
// after a sign-in, against the built server on the embedded database with a few runs stored.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { machine, median, quantile, startBenchServer, writeResults } from './support.mjs';

const LOADS = Number(process.env.BENCH_LOADS ?? 15);
const ASSETS = new URL('../console/dist/assets/', import.meta.url).pathname;
const gzBytes = (ext) =>
  readdirSync(ASSETS)
    .filter((f) => f.endsWith(`.${ext}.gz`))
    .reduce((sum, f) => sum + statSync(join(ASSETS, f)).size, 0);
const rawBytes = (ext) =>
  readdirSync(ASSETS)
    .filter((f) => f.endsWith(`.${ext}`))
    .reduce((sum, f) => sum + statSync(join(ASSETS, f)).size, 0);

const server = await startBenchServer('console');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const { key } = await server.api('/api/keys', { name: 'bench', role: 'user' });
  const call = async (path, body) => {
    const res = await fetch(`${server.base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const session = await call('/api/sessions', { title: 'bench' });
  const runs = [];
  for (const strategy of ['improve', 'compare', 'route']) {
    runs.push(await call('/api/orchestrate?wait=true', { sessionId: session.id, prompt: `A ${strategy} run`, strategy }));
  }
  const pages = [
    { name: 'runs list', hash: '#/runs', ready: 'tr[data-run-id]' },
    { name: 'run page (improve, ended)', hash: `#/runs/${runs[0].id}`, ready: '[data-testid=final-answer]' },
    { name: 'analytics', hash: '#/analytics', ready: 'table[data-table=strategies]' },
  ];
  const rows = [];
  for (const page of pages) {
    const samples = [];
    for (let i = 0; i < LOADS; i += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((k) => sessionStorage.setItem('orchestratex.apiKey', k), key);
      const tab = await context.newPage();
      await tab.goto(`${server.base}/console/${page.hash}`);
      await tab.waitForFunction((selector) => document.querySelector(selector) !== null, page.ready, { polling: 'raf' });
      samples.push(
        await tab.evaluate(() => {
          const ready = performance.now();
          const [nav] = performance.getEntriesByType('navigation');
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return { interactive: nav.domInteractive, fcp: fcp?.startTime ?? null, ready };
        }),
      );
      await context.close();
    }
    const of = (field) => samples.map((s) => s[field]).sort((a, b) => a - b);
    rows.push({
      page: page.name,
      loads: LOADS,
      domInteractiveMs: { p50: median(of('interactive')), p95: quantile(of('interactive'), 0.95) },
      firstContentfulPaintMs: { p50: median(of('fcp')), p95: quantile(of('fcp'), 0.95) },
      readyMs: { p50: median(of('ready')), p95: quantile(of('ready'), 0.95) },
    });
  }
  const size = { jsGzip: gzBytes('js'), jsRaw: rawBytes('js'), cssGzip: gzBytes('css'), cssRaw: rawBytes('css') };
  const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
  const ms = (v) => `${Math.round(v)} ms`;
  const markdown = [
    `The console (\`npm run bench:console\`, ${LOADS} cold loads a page in Debian's Chromium). ${machine()}.`,
    '',
    `Built: JavaScript ${kB(size.jsGzip)} gzipped (${kB(size.jsRaw)} raw; budget 300 kB gzipped), CSS ${kB(size.cssGzip)} gzipped (${kB(size.cssRaw)} raw).`,
    '',
    '| page | domInteractive p50 / p95 | first contentful paint p50 / p95 | ready (data shown) p50 / p95 |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.page} | ${ms(r.domInteractiveMs.p50)} / ${ms(r.domInteractiveMs.p95)} | ` +
        `${ms(r.firstContentfulPaintMs.p50)} / ${ms(r.firstContentfulPaintMs.p95)} | ${ms(r.readyMs.p50)} / ${ms(r.readyMs.p95)} |`,
    ),
    '',
  ].join('\n');
  process.stdout.write(markdown);
  writeResults('console', { machine: machine(), size, rows }, markdown);
} finally {
  await browser.close();
  await server.close();
}
