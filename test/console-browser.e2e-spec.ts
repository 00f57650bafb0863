import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_KEY } from './support/app.js';
import { eventually, signIn, startConsole } from './support/console-page.js';
import { auth, createSession, createUserKey } from './support/factories.js';
import type { SimulatedApp } from './support/simulated.js';
import { everythingStdio, mcpServersFile } from './support/mcp.js';

/** Set CONSOLE_SCREENSHOTS=docs to write the screenshots of the README and docs/console.md (npm run console:screenshots). */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS;

interface StoredRun {
  status: string;
  score: number | null;
  answer: string | null;
  answerModelId: string;
  totals: { calls: number };
  steps: { stepId: string; text: string; evaluation: { score: number } | null; evaluatesStepId: string | null }[];
}

describe('The console in a real browser', () => {
  let env: SimulatedApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ env, browser, base } = await startConsole({ MCP_SERVERS_FILE: mcpServersFile([everythingStdio()]) }));
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterEach(() => env.sim.reset());
  afterAll(async () => {
    await browser?.close();
    await env.close();
  });

  const http = () => env.t.http();

  const signedIn = (key: string, viewport?: { width: number; height: number }): Promise<Page> =>
    signIn(browser, base, key, viewport);

  const storedRun = async (key: string, id: string) =>
    (await http().get(`/api/orchestrate/runs/${id}`).set(auth(key)).expect(200)).body as StoredRun;

  it('should serve the built console with a strict content security policy, and keep the key out of the URL', async () => {
    const res = await http().get('/console').expect(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(res.text)?.[1];
    expect(script).toBeDefined();
    const asset = await http().get(script!).set('accept-encoding', 'gzip').expect(200);
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['cache-control']).toContain('immutable');
    await http().get('/console/assets/missing.js').expect(404);

    const { key } = await createUserKey(env.t, 'url check');
    const page = await signedIn(key);
    expect(page.url()).not.toContain(key);
    expect(await page.evaluate(() => sessionStorage.getItem('orchestratex.apiKey'))).toBe(key);
    expect(await page.evaluate(() => localStorage.getItem('orchestratex.apiKey'))).toBeNull();
    await page.close();
  });

  it('should say so when the key typed is unknown', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.fill('input[name=apiKey]', 'orx_not_a_key_0123456789abcdef0123');
    await page.click('button[type=submit]');
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('unknown or revoked (401)');
    expect(await page.evaluate(() => sessionStorage.getItem('orchestratex.apiKey'))).toBeNull();
    await page.close();
  });

  it('should start an improve run, stream its steps, resume after a reload without a gap, and count it in analytics', async () => {
    const user = await createUserKey(env.t, 'console user');
    // About a second per call: the run lasts several seconds, long enough to reload in the middle.
    env.sim.configure('*', { ttftMs: 250, tokenMs: 15 });
    const page = await signedIn(user.key);

    await page.click('nav >> text=New run');
    await page.fill('textarea[name=prompt]', 'Write a Python function that reverses a linked list.');
    // A key with no session yet: the run makes one, titled as asked.
    await eventually(
      () => page.inputValue('select[name=sessionId]'),
      (value) => value === 'new',
      'the new session chosen once the sessions are read',
    );
    await page.fill('input[name=sessionTitle]', 'from the console');
    await page.selectOption('select[name=strategy]', 'improve');
    // The options come from GET /api/orchestrate/strategies: improve reads evaluators, every strategy maxIterations.
    await page.fill('input[name=evaluators]', '2');
    await page.fill('input[name=maxIterations]', '2');
    await page.click('form button[type=submit]');
    await page.waitForURL(/#\/runs\/[0-9a-f]{24}$/);
    const runId = /#\/runs\/([0-9a-f]{24})$/.exec(page.url())![1];

    // A step's text as it streams: some of it is on the page while the step is still running.
    const seen = await page.waitForFunction(
      () => {
        const card = [...document.querySelectorAll('article.step[data-status=running]')].find(
          (c) => (c.querySelector('.step-text')?.textContent ?? '') !== '',
        );
        return card
          ? { stepId: card.getAttribute('data-step-id'), text: card.querySelector('.step-text')!.textContent }
          : null;
      },
      undefined,
      { timeout: 15_000, polling: 20 },
    );
    const { stepId: streamingStepId, text: partial } = (await seen.jsonValue())!;
    expect(partial.length).toBeGreaterThan(0);
    const seenBeforeReload = await page.locator('ol.events li[data-seq]').count();
    expect((await storedRun(user.key, runId)).status).toBe('running');

    await page.reload();
    await page.locator('header.top nav').waitFor();
    const finalScore = page.locator('[data-testid=final-score]');
    await eventually(
      () => page.locator('.card-head [data-status], dd [data-status]').first().getAttribute('data-status'),
      (status) => status === 'succeeded',
      'the run page status',
      60_000,
    );
    const run = await storedRun(user.key, runId);
    expect(run.status).toBe('succeeded');
    await eventually(
      () => finalScore.innerText(),
      (text) => text === run.score!.toFixed(2),
      'the final score',
    );
    expect(await page.locator('[data-testid=final-answer]').innerText()).toBe(run.answer);

    // Every event of the run, once each and in order, across the reload.
    const events = (await http().get(`/api/orchestrate/runs/${runId}/events`).set(auth(user.key)).expect(200)).body as {
      seq: number;
    }[];
    const seqs = await page
      .locator('ol.events li[data-seq]')
      .evaluateAll((items) => items.map((i) => Number(i.getAttribute('data-seq'))));
    expect(seqs).toEqual(events.map((e) => e.seq));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThan(seenBeforeReload);

    // Each step as stored, its text whole: the partial text seen streaming was the start of it.
    expect(await page.locator('article.step').count()).toBe(run.steps.length);
    for (const step of run.steps) {
      const card = page.locator(`article.step[data-step-id="${step.stepId}"]`);
      expect(await card.getAttribute('data-status')).toBe('succeeded');
      expect(await card.locator('.step-text').textContent()).toBe(step.text);
      if (step.evaluation !== null) {
        expect(await card.locator('[data-role=evaluation-score]').innerText()).toBe(step.evaluation.score.toFixed(2));
      }
    }
    const streamed = run.steps.find((s) => s.stepId === streamingStepId)!;
    expect(streamed.text.startsWith(partial)).toBe(true);
    expect(await page.locator('figure[aria-label="Iteration scores"] canvas').count()).toBeGreaterThan(0);
    if (SCREENSHOTS)
      await page.screenshot({
        path: `${SCREENSHOTS}/console-run.png`,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: 1700 },
      });

    // Phone width: nothing wider than the screen (tables scroll inside their cards).
    await page.setViewportSize({ width: 390, height: 844 });
    const wider = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('main *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll'))
          .map((e) => `${e.tagName}.${e.className}`),
      );
    await eventually(wider, (found) => found.length === 0, 'elements wider than a phone', 3000);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    if (SCREENSHOTS) {
      await page.click('button[aria-label="Switch light or dark"]');
      await page.screenshot({ path: `${SCREENSHOTS}/console-run-phone-dark.png` });
      await page.click('button[aria-label="Switch light or dark"]');
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // The list shows it; analytics count its calls per day, its model on the leaderboard, its strategy.
    await page.click('nav >> text=Runs');
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor();
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('succeeded');

    await page.click('nav >> text=Analytics');
    const today = new Date().toISOString().slice(0, 10);
    const callsToday = page.locator(`table[data-chart="Calls per day"] tr[data-label="${today}"] td`).first();
    const finalAnswers = page.locator(`table[data-table=leaderboard] tr[data-model="${run.answerModelId}"] td`).nth(4);
    const improveRuns = page.locator('table[data-table=strategies] tr[data-strategy=improve] td').nth(1);
    const textOf = async (cell: typeof callsToday) => ((await cell.count()) > 0 ? await cell.textContent() : null);
    // The page reads each report once: read it again until the run's last records are in all three.
    const expected = [String(run.totals.calls), '1', '1'];
    let first = true;
    await eventually(
      async () => {
        if (!first) {
          await page.reload();
          await page.locator('header.top nav').waitFor();
          await page.locator('table[data-table=strategies], table[data-table=leaderboard]').first().waitFor();
        }
        first = false;
        return [await textOf(callsToday), await textOf(finalAnswers), await textOf(improveRuns)];
      },
      (figures) => figures.every((figure, i) => figure === expected[i]),
      'calls today, final answers of the answer model, improve runs',
    );
    expect(await page.locator('figure[aria-label="Calls per day"] canvas').count()).toBeGreaterThan(0);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/console-analytics.png`, fullPage: true });

    // An admin revokes the key: the user's next request is refused and the console says why.
    const admin = await signedIn(ADMIN_KEY);
    await admin.click('nav >> text=Keys');
    const keyRow = admin.locator(`tr[data-key-id="${user.id}"]`);
    await keyRow.locator('button', { hasText: 'Revoke' }).click();
    await keyRow.locator('button', { hasText: 'Confirm revoke' }).click();
    await eventually(
      () => keyRow.getAttribute('data-revoked'),
      (v) => v === 'true',
      'the revoked row',
    );
    await http().get('/api/me').set(auth(user.key)).expect(401);
    await page.click('nav >> text=Runs');
    const notice = page.locator('[role=alert]');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('unknown or revoked (401)');
    expect(await page.locator('input[name=apiKey]').count()).toBe(1);
    await admin.close();
    await page.close();
  });

  it("should show a compare run's answers side by side with their evaluators' scores", async () => {
    const user = await createUserKey(env.t, 'compare');
    const session = await createSession(env.t, user.key);
    const started = await http()
      .post('/api/orchestrate?wait=true')
      .set(auth(user.key))
      .send({
        sessionId: session.id,
        prompt: 'Explain TCP slow start.',
        strategy: 'compare',
        proposers: 3,
        evaluate: true,
      })
      .expect(200);
    const run = started.body as StoredRun & { id: string };
    const page = await signedIn(user.key);
    await page.goto(`${base}#/runs/${run.id}/compare`);
    const columns = page.locator('article.column');
    await eventually(
      () => columns.count(),
      (n) => n === 3,
      'the compared answers',
    );
    for (const answer of run.steps.filter((s) => s.evaluatesStepId === null)) {
      const column = page.locator(`article.column[data-step-id="${answer.stepId}"]`);
      expect(await column.locator('pre.step-text').textContent()).toBe(answer.text);
      const scores = run.steps.filter((s) => s.evaluatesStepId === answer.stepId).map((s) => s.evaluation!.score);
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      expect(await column.locator('[data-role=mean-score]').innerText()).toBe(mean.toFixed(2));
    }
    await page.close();
  });

  it("should show a step's MCP tool calls on the run page: the tool, its arguments, what it gave", async () => {
    const user = await createUserKey(env.t, 'tools');
    const session = await createSession(env.t, user.key);
    const { body } = await http()
      .post('/api/orchestrate?wait=true')
      .set(auth(user.key))
      .send({ sessionId: session.id, prompt: 'Echo hello', strategy: 'route', tools: ['everything/echo'] })
      .expect(200);
    const run = body as StoredRun & {
      id: string;
      steps: { stepId: string; toolCalls: { arguments: string; result: string }[] }[];
    };
    const [call] = run.steps[0].toolCalls;
    const page = await signedIn(user.key);
    await page.goto(`${base}#/runs/${run.id}`);
    const item = page.locator(
      `article[data-step-id="${run.steps[0].stepId}"] [data-role=tool-calls] li[data-tool="everything/echo"]`,
    );
    await item.waitFor();
    const shown = await item.innerText();
    expect(shown).toContain(call.arguments);
    expect(shown).toContain(call.result);
    expect(await item.getAttribute('data-error-class')).toBe('');
    await page.close();
  });

  it('should cancel a running run from its page', async () => {
    const user = await createUserKey(env.t, 'cancel');
    const session = await createSession(env.t, user.key);
    env.sim.configure('*', { ttftMs: 2000, tokenMs: 50 });
    const started = await http()
      .post('/api/orchestrate')
      .set(auth(user.key))
      .send({ sessionId: session.id, prompt: 'A long answer, please.', strategy: 'improve' })
      .expect(202);
    const runId = (started.body as { runId: string }).runId;
    const page = await signedIn(user.key);
    await page.goto(`${base}#/runs/${runId}`);
    await page.locator('button', { hasText: 'Cancel run' }).click();
    const status = page.locator('dd [data-status]').first();
    await eventually(
      () => status.getAttribute('data-status'),
      (v) => v === 'cancelled',
      'the status shown',
    );
    expect((await storedRun(user.key, runId)).status).toBe('cancelled');
    expect(await page.locator('button', { hasText: 'Cancel run' }).count()).toBe(0);
    await page.close();
  });

  it('should say which limit a refused run hit', async () => {
    const created = await http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'one a minute', limits: { rpm: 1 } })
      .expect(201);
    const key = (created.body as { key: string }).key;
    const session = await createSession(env.t, key, { title: 'limited' });
    await http().post('/api/orchestrate').set(auth(key)).send({ sessionId: session.id, prompt: 'first' }).expect(202);
    const page = await signedIn(key);
    await page.click('nav >> text=New run');
    await page.locator('select[name=sessionId] option', { hasText: 'limited' }).waitFor({ state: 'attached' });
    await page.fill('textarea[name=prompt]', 'second in the same minute');
    await page.click('form button[type=submit]');
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text).toContain('Too many requests (limit: rpm)');
    expect(text).toMatch(/retry in \d+ s/);
    await page.close();
  });

  it('should let an admin disable a model and set its price', async () => {
    const page = await signedIn(ADMIN_KEY);
    await page.click('nav >> text=Models');
    const row = page.locator('tr[data-model="mistral/mistral-small-2603"]');
    await row.locator('button', { hasText: 'Disable' }).click();
    await eventually(
      () => row.getAttribute('data-enabled'),
      (v) => v === 'false',
      'the disabled row',
    );
    const stored = await http()
      .get(`/api/models/${encodeURIComponent('mistral/mistral-small-2603')}`)
      .set(auth(ADMIN_KEY))
      .expect(200);
    expect(stored.body.enabled).toBe(false);
    expect(stored.body.available).toBe(false);

    await row.locator('button', { hasText: 'Price…' }).click();
    await row.locator('input[name=inputPerMTok]').fill('0.5');
    await row.locator('input[name=outputPerMTok]').fill('1.5');
    await row.locator('button', { hasText: 'Set price' }).click();
    await eventually(
      () => row.locator('td.num').first().innerText(),
      (v) => v === '$0.5',
      'the price shown',
    );
    const priced = await http()
      .get(`/api/models/${encodeURIComponent('mistral/mistral-small-2603')}`)
      .set(auth(ADMIN_KEY))
      .expect(200);
    expect(priced.body.pricing).toMatchObject({ inputPerMTok: 0.5, outputPerMTok: 1.5 });
    await row.locator('button', { hasText: 'Enable' }).click();
    await eventually(
      () => row.getAttribute('data-enabled'),
      (v) => v === 'true',
      'the enabled row',
    );
    await page.close();
  });

  it("should list a key's model calls live on the Requests page, each failed attempt of one in words", async () => {
    const user = await createUserKey(env.t, 'requests page');
    const page = await signedIn(user.key);
    await page.click('nav >> text=Requests');
    await page.locator('text=No calls match.').waitFor();

    // Made after the page is open: it shows up on its own. Its model fails twice with a 500 first.
    env.sim.injectFault('gpt-5.4-mini', { type: '500' }, 2);
    await http()
      .post('/v1/chat/completions')
      .set(auth(user.key))
      .send({ model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 })
      .expect(200);
    // Usage records are written in batches, about a second apart.
    const logged = await eventually(
      async () =>
        (await http().get('/api/requests').set(auth(user.key)).expect(200)).body as { items: { id: string }[] },
      (page) => page.items.length === 1,
      'the call in the request log',
    );
    const row = page.locator(`tr[data-request-id="${logged.items[0].id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').nth(1).innerText()).toBe('openai/gpt-5.4-mini');
    expect(await row.locator('td').nth(4).innerText()).toBe('3');

    await row.click();
    const attempts = page.locator('.request-detail ol.attempts li');
    await attempts.first().waitFor();
    expect(await attempts.allInnerTexts()).toEqual([
      expect.stringMatching(/^Attempt 1 at openai\/gpt-5\.4-mini: the provider failed on its side \(HTTP 500\) — /),
      expect.stringMatching(/^Attempt 2 at openai\/gpt-5\.4-mini: the provider failed on its side \(HTTP 500\) — /),
    ]);

    // Filtered to failed calls: this one succeeded in the end.
    await page.selectOption('select[aria-label=Status]', 'failed');
    await page.locator('text=No calls match.').waitFor();
    await page.close();
  });

  it("should show an admin the audit trail of a key's limits changed from the Keys API, field by field", async () => {
    const { body: made } = await http()
      .post('/api/keys')
      .set(auth(ADMIN_KEY))
      .send({ name: 'audited in the console', limits: { usdPerDay: 2 } })
      .expect(201);
    await http()
      .patch(`/api/keys/${made.id}`)
      .set(auth(ADMIN_KEY))
      .send({ limits: { usdPerDay: 3 } })
      .expect(200);
    const page = await signedIn(ADMIN_KEY);
    await page.click('nav >> text=Audit');
    await page.selectOption('select[aria-label=Action]', 'key.updated');
    const row = page.locator('tr[data-action="key.updated"]', { hasText: made.id });
    await row.waitFor();
    expect(await row.locator('ul.changes li').allInnerTexts()).toEqual([
      expect.stringMatching(/^limits: .*"usdPerDay":2.* → .*"usdPerDay":3/),
    ]);

    // Not for a user key: no link, and the page says why.
    const { key } = await createUserKey(env.t, 'no audit');
    const userPage = await signedIn(key);
    expect(await userPage.locator('nav >> text=Audit').count()).toBe(0);
    await userPage.goto(`${base}#/audit`);
    await userPage.locator('text=The audit trail is for admin keys.').waitFor();
    await page.close();
    await userPage.close();
  });
});
