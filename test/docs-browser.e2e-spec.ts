import type { Browser } from 'playwright-core';
import { startApp, type TestApp } from './support/app.js';
import { browserUrl, launchChromium } from './support/browser.js';
import { auth, createSession, createUserKey } from './support/factories.js';

describe('Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await t.app.getUrl();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  it('should authorize with an API key, execute a request and show its 200 response', async () => {
    const { key } = await createUserKey(t, 'browser');
    const session = await createSession(t, key, { title: 'seen in the browser' });
    await t.http().get(`/api/sessions/${session.id}`).set(auth(key)).expect(200);

    const page = await browser.newPage();
    await page.goto(`${browserUrl(baseUrl)}/docs`);
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('.auth-container').first().locator('input').fill(key);
    await dialog.locator('.auth-container').first().locator('.auth-btn-wrapper button.authorize').click();
    await dialog.locator('button.btn-done').first().click();

    const operation = page.locator('#operations-Sessions-Sessions_list');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();

    const status = operation.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    expect((await status.innerText()).trim()).toBe('200');
    const body = await operation
      .locator('.live-responses-table tr.response .response-col_description pre')
      .first()
      .innerText();
    expect(body).toContain('seen in the browser');
    if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: false });
    await page.close();
  });
});
