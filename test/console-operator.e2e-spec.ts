import type { Browser } from 'playwright-core';
import { usd } from '../console/src/format.js';
import { ADMIN_KEY } from './support/app.js';
import { eventually, signIn, startConsole } from './support/console-page.js';
import { auth, createSession, createUserKey } from './support/factories.js';
import type { SimulatedApp } from './support/simulated.js';

/** What operators open a gateway's console for: spend and limits, a model test, readable answers and failures. */
describe('The console for operators, in a real browser', () => {
  let env: SimulatedApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ env, browser, base } = await startConsole());
  });
  afterEach(() => env.sim.reset());
  afterAll(async () => {
    await browser?.close();
    await env.close();
  });

  const http = () => env.t.http();
  const chat = (key: string) =>
    http()
      .post('/v1/chat/completions')
      .set(auth(key))
      .send({ model: 'openai/gpt-5.4-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 });

  it("should show an admin a key's spend, and hold the key to limits edited in place from its next request", async () => {
    const user = await createUserKey(env.t, 'spender');
    await chat(user.key).expect(200);
    // Usage reaches the rollups in batches about a second apart: wait for the API to count the call.
    const costs = await eventually(
      async () =>
        (await http().get('/api/analytics/costs').set(auth(ADMIN_KEY)).expect(200)).body as {
          byKey: { key: string; costUsd: number }[];
        },
      (body) => body.byKey.some((line) => line.key === user.id && line.costUsd > 0),
      "the key's spend in analytics",
    );
    const spent = costs.byKey.find((line) => line.key === user.id)!.costUsd;
    const { body: detail } = await http().get(`/api/keys/${user.id}`).set(auth(ADMIN_KEY)).expect(200);

    const page = await signIn(browser, base, ADMIN_KEY);
    await page.click('nav >> text=Keys');
    const row = page.locator(`tr[data-key-id="${user.id}"]`);
    await row.waitFor();
    expect(await row.locator('[data-testid=key-spend-30d]').innerText()).toBe(usd(spent));

    await row.locator('button', { hasText: 'Spend and limits' }).click();
    const editor = page.locator(`[data-key-editor="${user.id}"]`);
    await editor.waitFor();
    const figures = await editor.locator('[data-testid=key-spend] dd').allInnerTexts();
    expect(figures.slice(0, 3)).toEqual([
      usd(detail.spend.usdToday),
      usd(detail.spend.usdThisMonth),
      usd(detail.spend.usdTotal),
    ]);

    // One request a minute, and only OpenAI's models.
    await editor.locator('input[name=limit-rpm]').fill('1');
    await editor.locator('input[name=limitModels]').fill('openai/*');
    await editor.locator('button[type=submit]').click();
    await editor.locator('text=Saved: the key').waitFor();
    await eventually(
      () => row.locator('td').nth(4).innerText(),
      (text) => text.includes('models openai/*') && text.includes('1 rpm'),
      'the limits shown in the row',
    );
    // Held at once, no restart: another provider's model is refused, one request passes, the next waits.
    const elsewhere = await http()
      .post('/v1/chat/completions')
      .set(auth(user.key))
      .send({ model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 })
      .expect(403);
    expect(JSON.stringify(elsewhere.body)).toContain('anthropic/claude-haiku-4-5');
    await chat(user.key).expect(200);
    const refused = await chat(user.key).expect(429);
    expect(refused.headers['x-orchestratex-limit']).toBe('rpm');
    const { body: stored } = await http().get(`/api/keys/${user.id}`).set(auth(ADMIN_KEY)).expect(200);
    expect(stored.limits).toMatchObject({ rpm: 1, models: ['openai/*'], usdPerDay: null });
    await page.close();
  });

  it('should render an answer as Markdown, and show a <script> in it as text without running it', async () => {
    const { key } = await createUserKey(env.t, 'markdown');
    const session = await createSession(env.t, key, { title: 'markdown' });
    env.sim.queueAnswers('gpt-5.4-mini', [
      '## Plan\n\n- **merge** the lists\n- return `result`\n\n<script>window.pwned = 1</script>\n\nSee <img src=x onerror="window.pwned = 2"> [docs](https://example.com/docs) and [here](javascript:window.pwned=3).',
    ]);
    const { body: run } = await http()
      .post('/api/orchestrate?wait=true')
      .set(auth(key))
      .send({
        sessionId: session.id,
        prompt: 'How do I merge two lists?',
        strategy: 'route',
        models: ['openai/gpt-5.4-mini'],
      })
      .expect(200);
    expect(run.answer).toContain('<script>');

    const page = await signIn(browser, base, key);
    await page.goto(`${base}#/runs/${run.id}`);
    const answer = page.locator('[data-testid=final-answer]');
    await answer.locator('h4').waitFor();
    expect(await page.locator('h2').first().innerText()).toContain('How do I merge two lists?');
    expect(await answer.locator('h4').innerText()).toBe('Plan');
    expect(await answer.locator('li strong').innerText()).toBe('merge');
    expect(await answer.locator('li code').innerText()).toBe('result');
    expect(await answer.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual([
      'https://example.com/docs',
    ]);
    const text = await answer.innerText();
    expect(text).toContain('<script>window.pwned = 1</script>');
    expect(text).toContain('<img src=x onerror="window.pwned = 2">');
    expect(await answer.locator('script, img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.close();
  });

  it("should show a failed step's attempts, each error in words, and the run's attempts beside its calls", async () => {
    const { key } = await createUserKey(env.t, 'failing');
    const session = await createSession(env.t, key, { title: 'failing' });
    // Every attempt at this model fails with a 500: the first and the two retries.
    env.sim.injectFault('grok-4.3', { type: '500' }, 3);
    const { body: run } = await http()
      .post('/api/orchestrate?wait=true')
      .set(auth(key))
      .send({ sessionId: session.id, prompt: 'Name a prime number', strategy: 'route', models: ['xai/grok-4.3'] })
      .expect(200);
    expect(run.status).toBe('failed');
    const step = run.steps[0] as { stepId: string };

    const page = await signIn(browser, base, key);
    await page.goto(`${base}#/runs/${run.id}`);
    const card = page.locator(`article.step[data-step-id="${step.stepId}"]`);
    // The request log is written in batches: the page reads it again until the call is in it.
    const trail = card.locator('details.trail');
    await eventually(
      async () => {
        await page.reload();
        await page.locator('header.top nav').waitFor();
        return trail.count();
      },
      (n) => n === 1,
      "the step's attempt trail",
    );
    expect(await trail.getAttribute('open')).not.toBeNull();
    expect(await trail.locator('summary').innerText()).toBe('3 attempts for this step');
    const attempts = await trail.locator('ol.attempts li').allInnerTexts();
    expect(attempts).toHaveLength(3);
    attempts.forEach((line, i) =>
      expect(line).toMatch(
        new RegExp(`^Attempt ${i + 1} at xai/grok-4\\.3: the provider failed on its side \\(HTTP 500\\) — `),
      ),
    );
    expect(await trail.locator('p.error').innerText()).toMatch(/^The call failed: the provider failed on its side/);
    expect(await page.locator('[data-testid=calls]').innerText()).toBe('1 (3 attempts)');
    await page.close();
  });

  it('should start a run from the form on a session made on the fly, with only its options, and say how far it is', async () => {
    const { key } = await createUserKey(env.t, 'new run form');
    // About a second per call: long enough to read the progress line while the run goes.
    env.sim.configure('*', { ttftMs: 300, tokenMs: 15 });
    const page = await signIn(browser, base, key);
    await page.click('nav >> text=New run');
    const prompt = 'Explain how a hash map handles collisions';
    await page.fill('textarea[name=prompt]', prompt);
    await eventually(
      () => page.inputValue('select[name=sessionId]'),
      (value) => value === 'new',
      'the new session chosen once the sessions are read',
    );

    // Council loops to no threshold: its form has no maxIterations; improve's has, with a readable label.
    await page.selectOption('select[name=strategy]', 'council');
    await page.locator('input[name=proposers]').waitFor();
    expect(await page.locator('input[name=maxIterations]').count()).toBe(0);
    await page.selectOption('select[name=strategy]', 'improve');
    await page.locator('label', { hasText: 'Max iterations' }).locator('input[name=maxIterations]').fill('2');

    // The model picker narrows as one types; two ticked models make the team.
    await page.fill('input[name=models-filter]', 'gpt-5.4');
    const shown = await page
      .locator('input[name=models]')
      .evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((id) => id.includes('gpt-5.4'))).toBe(true);
    await page.check('input[name=models][value="openai/gpt-5.4-mini"]');
    await page.fill('input[name=models-filter]', 'haiku');
    await page.check('input[name=models][value="anthropic/claude-haiku-4-5"]');
    await page.click('form button[type=submit]');
    await page.waitForURL(/#\/runs\/[0-9a-f]{24}$/);
    const runId = /#\/runs\/([0-9a-f]{24})$/.exec(page.url())![1];

    const progress = page.locator('[data-testid=progress]');
    await progress.waitFor({ timeout: 15_000 });
    expect(await progress.innerText()).toMatch(/^(Choosing the team|Iteration [12] of at most 2) · \d+ steps? done/);
    await page.locator('[data-testid=progress]', { hasText: /Iteration 1 of at most 2/ }).waitFor({ timeout: 15_000 });
    await eventually(
      async () => (await http().get(`/api/orchestrate/runs/${runId}`).set(auth(key)).expect(200)).body.status,
      (status) => status !== 'running' && status !== 'queued',
      'the run to end',
      60_000,
    );
    await progress.waitFor({ state: 'detached', timeout: 15_000 });

    const { body: run } = await http().get(`/api/orchestrate/runs/${runId}`).set(auth(key)).expect(200);
    expect(run.options).toMatchObject({
      maxIterations: 2,
      models: ['openai/gpt-5.4-mini', 'anthropic/claude-haiku-4-5'],
    });
    const { body: sessions } = await http().get('/api/sessions').set(auth(key)).expect(200);
    expect(sessions.items).toEqual([expect.objectContaining({ id: run.sessionId, title: prompt })]);
    await page.close();
  });

  it('should let an admin test a model with a prompt and read its answer, attempts and cost', async () => {
    env.sim.queueAnswers('gpt-5.4-mini', ['Hello from the **test** call.']);
    const page = await signIn(browser, base, ADMIN_KEY);
    await page.click('nav >> text=Models');
    const row = page.locator('tr[data-model="openai/gpt-5.4-mini"]');
    await row.locator('button', { hasText: 'Test…' }).click();
    const tester = row.locator('[data-model-test="openai/gpt-5.4-mini"]');
    await tester.locator('input[name=testPrompt]').fill('Greet me');
    await tester.locator('button[type=submit]').click();
    const result = tester.locator('.test-result[data-ok=true]');
    await result.waitFor();
    expect(await result.locator('[data-testid=test-answer]').innerText()).toBe('Hello from the test call.');
    expect(await result.locator('[data-testid=test-answer] strong').innerText()).toBe('test');
    expect(await result.innerText()).toContain('1 attempt');
    expect(await result.locator('[data-testid=test-cost]').innerText()).toMatch(/^\$\d/);

    // The call is in the request log as a model test.
    const { body: log } = await eventually(
      () => http().get('/api/requests').query({ modelId: 'openai/gpt-5.4-mini' }).set(auth(ADMIN_KEY)).expect(200),
      (res) => (res.body.items as { role: string }[]).some((c) => c.role === 'test'),
      'the test call in the request log',
    );
    expect((log.items as { role: string }[]).filter((c) => c.role === 'test')).toHaveLength(1);
    await page.close();
  });
});
